import io
import json
import threading
import time

import pytest
from factories import envelope
from kitty_testing import store_login
from spec_kitty.jsonl import MalformedLine
from spec_kitty.sync.auth import AuthenticationNeeded
from spec_kitty.sync.send import open_sender, send_events
from spec_kitty.sync.send_options import SendOptions
from spec_kitty.sync.transport import ServerUnreachable
from sync_support import BATCH, all_succeed, answer, closed_port_url, sent_events
from werkzeug import Response

REFRESH = "/api/v1/token/refresh/"


class Run:
    """batch-send's work in this process: results written to `out`, warnings to `notes`."""

    def __init__(self, server_url, **options):
        self.options = SendOptions(server=server_url, backoff=0.01, max_wait=5, **options)
        self.out = io.StringIO()
        self.notes: list[str] = []

    def __call__(self, events) -> int:
        lines = [json.dumps(e).encode() + b"\n" for e in events]
        return send_events(
            lines,
            self.out,
            self.options,
            lambda: open_sender(self.options, False, self.notes.append),
            self.notes.append,
        )

    @property
    def results(self) -> list[dict]:
        return [json.loads(line) for line in self.out.getvalue().splitlines()]


def test_posts_gzip_json_with_bearer_token_in_chunks(httpserver, server_url):
    store_login(server_url, access="A1")
    httpserver.expect_request(BATCH, method="POST").respond_with_handler(all_succeed)
    events = [envelope(i) for i in range(25)]

    code = Run(server_url, chunk_events=10)(events)

    assert code == 0
    requests = [request for request, _ in httpserver.log]
    assert [len(sent_events(r)) for r in requests] == [10, 10, 5]
    for request in requests:
        assert request.headers["Authorization"] == "Bearer A1"
        assert request.headers["Content-Encoding"] == "gzip"
        assert request.headers["Content-Type"] == "application/json"
    assert [e["event_id"] for r in requests for e in sent_events(r)] == [
        e["event_id"] for e in events
    ]
    assert sent_events(requests[0])[0] == events[0]


def test_chunks_are_also_bounded_by_size(httpserver, server_url):
    store_login(server_url)
    httpserver.expect_request(BATCH, method="POST").respond_with_handler(all_succeed)
    events = [envelope(i) for i in range(6)]
    one = len(json.dumps(events[0]))

    run = Run(server_url, chunk_bytes=2 * one + 10)
    assert run(events) == 0

    assert [len(sent_events(r)) for r, _ in httpserver.log] == [2, 2, 2]
    assert len(run.results) == 6


def test_one_result_line_per_event_with_rejection_reasons(httpserver, server_url):
    store_login(server_url)
    events = [envelope(i) for i in range(4)]
    ids = [e["event_id"] for e in events]
    httpserver.expect_request(BATCH, method="POST").respond_with_response(
        answer(
            [
                {"event_id": ids[0], "status": "success"},
                {"event_id": ids[1], "status": "duplicate"},
                {
                    "event_id": ids[2],
                    "status": "rejected",
                    "error": "to_lane 'claimed' is not one of planned, doing, for_review, done",
                    "error_code": "unknown_lane",
                },
                {"event_id": ids[3], "status": "rejected", "error": "payload.wp_id is required"},
            ]
        )
    )

    run = Run(server_url)
    assert run(events) == 1

    assert run.results[0] == {"event_id": ids[0], "status": "success"}
    assert run.results[1] == {"event_id": ids[1], "status": "duplicate"}
    lane = run.results[2]
    assert (lane["status"], lane["category"], lane["error_code"]) == (
        "rejected",
        "unknown_lane",
        "unknown_lane",
    )
    assert "claimed" in lane["error"]
    assert (lane["event_type"], lane["aggregate_id"]) == ("WPStatusChanged", "WP01")
    assert run.results[3]["category"] == "schema_mismatch"
    assert "error_code" not in run.results[3]


def test_results_missing_events_or_with_unknown_status_leave_them_queued(httpserver, server_url):
    store_login(server_url)
    events = [envelope(i) for i in range(4)]
    ids = [e["event_id"] for e in events]
    httpserver.expect_request(BATCH, method="POST").respond_with_response(
        answer(
            [
                {"event_id": ids[0], "status": "success"},
                {"event_id": ids[1], "status": "queued"},
                {"event_id": "01JZZZZZZZ0000000000000000", "status": "success"},
            ]
        )
    )

    run = Run(server_url)
    assert run(events) == 1

    assert run.results == [{"event_id": ids[0], "status": "success"}]
    notes = "\n".join(run.notes)
    assert "status 'queued'" in notes and ids[1] in notes
    assert "no result for 2 event(s)" in notes and ids[2] in notes
    assert "01JZZZZZZZ0000000000000000" in notes


def test_a_400_with_details_names_the_bad_events_and_sends_the_rest_again(httpserver, server_url):
    store_login(server_url)
    events = [envelope(i) for i in range(3)]
    ids = [e["event_id"] for e in events]
    httpserver.expect_ordered_request(BATCH, method="POST").respond_with_json(
        {
            "error": "Malformed events list",
            "details": [{"index": 1, "event_id": ids[1], "error": "payload must be an object"}],
        },
        status=400,
    )
    httpserver.expect_ordered_request(BATCH, method="POST").respond_with_handler(all_succeed)

    run = Run(server_url)
    assert run(events) == 1

    by_id = {r["event_id"]: r for r in run.results}
    assert by_id[ids[1]]["status"] == "rejected"
    assert by_id[ids[1]]["error"] == "payload must be an object"
    assert by_id[ids[0]]["status"] == by_id[ids[2]]["status"] == "success"
    assert [e["event_id"] for e in sent_events(httpserver.log[1][0])] == [ids[0], ids[2]]
    assert any("Malformed events list" in n and "payload must be an object" in n for n in run.notes)


def test_a_400_without_per_event_details_rejects_the_whole_chunk(httpserver, server_url):
    store_login(server_url)
    httpserver.expect_request(BATCH, method="POST").respond_with_json(
        {"error": "Request body is not valid JSON", "details": ["line 1 column 5"]}, status=400
    )

    run = Run(server_url)
    assert run([envelope(0), envelope(1)]) == 1

    assert [r["status"] for r in run.results] == ["rejected", "rejected"]
    assert "line 1 column 5" in run.results[0]["error"]


def test_413_splits_the_chunk_until_the_server_accepts(httpserver, server_url):
    store_login(server_url)

    def at_most_two(request):
        if len(sent_events(request)) > 2:
            return Response('{"error": "Batch too large"}', 413)
        return all_succeed(request)

    httpserver.expect_request(BATCH, method="POST").respond_with_handler(at_most_two)
    events = [envelope(i) for i in range(7)]

    run = Run(server_url)
    assert run(events) == 0

    assert sorted(r["event_id"] for r in run.results) == [e["event_id"] for e in events]
    assert all(r["status"] == "success" for r in run.results)


def test_a_single_event_too_large_is_rejected_not_retried_forever(httpserver, server_url):
    store_login(server_url)
    httpserver.expect_request(BATCH, method="POST").respond_with_response(Response("", 413))

    run = Run(server_url)
    assert run([envelope(0)]) == 1

    assert run.results[0]["status"] == "rejected"
    assert "413" in run.results[0]["error"]


def test_429_waits_as_long_as_retry_after_says(httpserver, server_url):
    store_login(server_url)
    arrivals = []

    def limited_once(request):
        arrivals.append(time.monotonic())
        if len(arrivals) == 1:
            return Response(
                '{"error": "slow down", "code": "rate_limited"}', 429, {"Retry-After": "1"}
            )
        return all_succeed(request)

    httpserver.expect_request(BATCH, method="POST").respond_with_handler(limited_once)

    run = Run(server_url)
    assert run([envelope(0)]) == 0

    assert arrivals[1] - arrivals[0] >= 1.0
    assert run.results == [{"event_id": envelope(0)["event_id"], "status": "success"}]


def test_a_500_is_retried_then_succeeds(httpserver, server_url):
    store_login(server_url)
    httpserver.expect_ordered_request(BATCH, method="POST").respond_with_response(
        Response("boom", 500)
    )
    httpserver.expect_ordered_request(BATCH, method="POST").respond_with_handler(all_succeed)

    run = Run(server_url)
    assert run([envelope(0)]) == 0
    assert run.results[0]["status"] == "success"
    assert any("HTTP 500" in n for n in run.notes)


def test_a_server_that_keeps_failing_counts_nothing_against_the_events(httpserver, server_url):
    store_login(server_url)
    httpserver.expect_request(BATCH, method="POST").respond_with_response(Response("down", 503))

    run = Run(server_url, retries=2)
    with pytest.raises(ServerUnreachable, match="HTTP 503") as failed:
        run([envelope(0)])

    assert failed.value.exit_code == 3
    assert run.results == []
    assert len(httpserver.log) == 3


def test_connection_refused_is_offline_with_nothing_counted():
    closed = closed_port_url()
    store_login(closed)

    run = Run(closed)
    with pytest.raises(ServerUnreachable, match="offline") as offline:
        run([envelope(0)])

    assert offline.value.exit_code == 3
    assert "sync-now" in str(offline.value)
    assert run.results == []


def test_an_unknown_host_is_offline_too():
    url = "https://spec-kitty-sync.invalid"
    store_login(url)

    run = Run(url)
    with pytest.raises(ServerUnreachable, match="offline: cannot reach") as offline:
        run([envelope(0)])

    assert offline.value.exit_code == 3
    assert "name or service not known" in str(offline.value) or "resolution" in str(offline.value)
    assert run.results == []


def test_a_server_that_does_not_answer_in_time_counts_nothing(httpserver, server_url):
    store_login(server_url)

    answered = threading.Event()

    def too_slow(request):
        time.sleep(0.6)
        answered.set()
        return all_succeed(request)

    httpserver.expect_request(BATCH, method="POST").respond_with_handler(too_slow)

    run = Run(server_url, timeout=0.3)
    with pytest.raises(ServerUnreachable, match="did not answer within 0.3s") as late:
        run([envelope(0)])

    assert late.value.exit_code == 3
    assert run.results == []
    answered.wait(5)  # the shared server finishes this request before the next test starts


def test_a_token_expiring_between_two_chunks_is_refreshed_and_the_chunk_resent(
    httpserver, server_url
):
    store = store_login(server_url, access="A0", refresh="R0")

    def only_fresh_tokens(request):
        if len(httpserver.log) >= 1 and request.headers["Authorization"] == "Bearer A0":
            return Response('{"error": "Token expired", "code": "token_expired"}', 401)
        return all_succeed(request)

    httpserver.expect_request(BATCH, method="POST").respond_with_handler(only_fresh_tokens)
    httpserver.expect_request(REFRESH, method="POST", json={"refresh": "R0"}).respond_with_json(
        {"access": "A1", "refresh": "R1", "access_lifetime": 900, "refresh_lifetime": 3600}
    )
    events = [envelope(i) for i in range(4)]

    run = Run(server_url, chunk_events=2)
    assert run(events) == 0

    assert len(run.results) == 4
    batches = [r for r, _ in httpserver.log if r.path == BATCH]
    assert [r.headers["Authorization"] for r in batches] == [
        "Bearer A0",
        "Bearer A0",
        "Bearer A1",
    ]
    stored = store.load()
    assert (stored.access, stored.refresh) == ("A1", "R1")


def test_a_failed_refresh_stops_with_one_clear_message(httpserver, server_url):
    store_login(server_url, access="A0", refresh="R0")
    httpserver.expect_request(BATCH, method="POST").respond_with_response(
        Response('{"error": "Token expired", "code": "token_expired"}', 401)
    )
    httpserver.expect_request(REFRESH, method="POST").respond_with_json(
        {"error": "Token is invalid or expired", "code": "token_invalid"}, status=401
    )

    run = Run(server_url)
    with pytest.raises(AuthenticationNeeded) as refused:
        run([envelope(0), envelope(1)])

    assert "re-authenticate with `spec-kitty auth-login`" in str(refused.value)
    assert refused.value.exit_code == 4
    assert run.results == []
    assert len([r for r, _ in httpserver.log if r.path == BATCH]) == 1


def test_403_rejects_the_chunk_as_forbidden(httpserver, server_url):
    store_login(server_url)
    httpserver.expect_request(BATCH, method="POST").respond_with_json(
        {"error": "No access to this project", "code": "no_project_access"}, status=403
    )

    run = Run(server_url)
    assert run([envelope(0)]) == 1
    assert run.results[0]["category"] == "forbidden"


def test_a_malformed_line_stops_after_sending_what_came_before(httpserver, server_url):
    store_login(server_url)
    httpserver.expect_request(BATCH, method="POST").respond_with_handler(all_succeed)
    run = Run(server_url)
    lines = [json.dumps(envelope(0)).encode(), b"{not json", json.dumps(envelope(1)).encode()]

    with pytest.raises(MalformedLine, match="line 2"):
        send_events(
            lines,
            run.out,
            run.options,
            lambda: open_sender(run.options, False, run.notes.append),
            run.notes.append,
        )

    assert run.results == [{"event_id": envelope(0)["event_id"], "status": "success"}]


def test_a_line_broken_past_its_event_id_stops_there_after_the_lines_before(httpserver, server_url):
    store_login(server_url)

    def strict(request):
        try:
            return all_succeed(request)
        except ValueError:
            return Response('{"error": "Request body is not valid JSON"}', 400)

    httpserver.expect_request(BATCH, method="POST").respond_with_handler(strict)
    events = [envelope(i) for i in range(4)]
    lines = [json.dumps(e, separators=(",", ":")).encode() for e in events]
    lines[2] = lines[2].replace(b'"payload":', b'"payload"', 1)
    run = Run(server_url)

    with pytest.raises(MalformedLine, match="line 3: not JSON"):
        send_events(
            lines,
            run.out,
            run.options,
            lambda: open_sender(run.options, False, run.notes.append),
            run.notes.append,
        )

    assert [r["event_id"] for r in run.results] == [events[0]["event_id"], events[1]["event_id"]]
    sent = [e["event_id"] for r, _ in httpserver.log[1:] for e in sent_events(r)]
    assert events[3]["event_id"] not in sent


def test_a_200_that_is_not_a_batch_answer_counts_nothing(httpserver, server_url):
    store_login(server_url)
    httpserver.expect_request(BATCH, method="POST").respond_with_data("<html>proxy</html>")

    run = Run(server_url)
    with pytest.raises(ServerUnreachable, match="without a results list"):
        run([envelope(0)])
    assert run.results == []


def test_nothing_to_send_needs_no_login_and_no_server(server_url):
    run = Run(server_url)
    assert run([]) == 0
    assert run.results == []


def test_batch_send_script_streams_results_and_exits_3_offline(script, httpserver, server_url):
    store_login(server_url)
    httpserver.expect_request(BATCH, method="POST").respond_with_handler(all_succeed)
    events = "".join(json.dumps(envelope(i)) + "\n" for i in range(3))

    sent = script("batch-send", "--chunk-size", "2", input=events)
    store_login(closed_port_url())
    offline = script("batch-send", input=events)

    assert sent.returncode == 0, sent.stderr
    assert [json.loads(line)["status"] for line in sent.stdout.splitlines()] == ["success"] * 3
    assert offline.returncode == 3
    assert offline.stdout == b""
    assert b"offline" in offline.stderr and b"Traceback" not in offline.stderr


def test_a_blanket_refusal_naming_a_lane_is_unknown_lane_only_for_events_with_lanes(
    httpserver, server_url
):
    store_login(server_url)
    status = envelope(0)
    created = envelope(1)
    created.update(event_type="WPCreated", aggregate_type="WorkPackage")
    created["payload"] = {"wp_id": "WP01", "title": "Cart", "feature_slug": "001-sync"}
    httpserver.expect_request(BATCH, method="POST").respond_with_json(
        {"error": "batch refused: invalid lane in one of the events"}, status=400
    )

    run = Run(server_url)
    run([status, created])

    categories = {r["event_type"]: r["category"] for r in run.results}
    assert categories == {"WPStatusChanged": "unknown_lane", "WPCreated": "schema_mismatch"}


def test_the_servers_per_event_details_are_kept_with_tokens_blanked(httpserver, server_url):
    store_login(server_url, access="access-in-details")
    event = envelope(0)
    details = [{"path": "payload.wp_id", "found": "access-in-details", "expected": "WPnn"}]
    httpserver.expect_request(BATCH, method="POST").respond_with_json(
        {
            "results": [
                {
                    "event_id": event["event_id"],
                    "status": "rejected",
                    "error": "payload.wp_id is not WPnn",
                    "error_code": "schema_mismatch",
                    "details": details,
                }
            ]
        }
    )

    run = Run(server_url)
    run([event])

    [result] = run.results
    assert result["details"] == [{"path": "payload.wp_id", "found": "[secret]", "expected": "WPnn"}]


def test_progress_ends_with_where_the_run_ended_shown_once(httpserver, server_url):
    store_login(server_url)
    httpserver.expect_request(BATCH, method="POST").respond_with_handler(all_succeed)

    run = Run(server_url, chunk_events=1, progress=True, progress_every=0)
    run([envelope(0), envelope(1)])

    progress = [note for note in run.notes if note.startswith("sent ")]
    assert [line.split(" in ")[0] for line in progress] == ["sent 1 event(s)", "sent 2 event(s)"]


def test_json_stop_tells_why_the_run_ended_as_one_json_line(script):
    closed = closed_port_url()
    store_login(closed)

    done = script("batch-send", "--json-stop", input=json.dumps(envelope(0)) + "\n")

    assert done.returncode == 3
    [line] = done.stderr.decode().splitlines()
    record = json.loads(line)
    assert record["stopped"] == {
        "reason": "offline",
        "detail": "cannot reach the server (connection refused)",
        "http_status": None,
        "server_text": None,
    }
    assert record["message"].startswith(f"offline: cannot reach {closed}/api/v1/events/batch/")


def test_a_failing_server_met_while_halving_a_batch_is_quoted_once(httpserver, server_url):
    store_login(server_url)

    def too_large_then_down(request):
        if len(sent_events(request)) > 1:
            return Response('{"error": "Batch too large"}', 413)
        return Response('{"error": "maintenance until 10:00"}', 503)

    httpserver.expect_request(BATCH, method="POST").respond_with_handler(too_large_then_down)

    run = Run(server_url, retries=0)
    with pytest.raises(ServerUnreachable) as failed:
        run([envelope(0), envelope(1)])

    assert str(failed.value).count('(the server said: "maintenance until 10:00")') == 1
    assert (failed.value.reason, failed.value.http_status) == ("server_error", 503)
    assert failed.value.server_text == "maintenance until 10:00"
