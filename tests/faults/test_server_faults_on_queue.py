"""Server faults seen through `spec-kitty sync-now`, judged by the queue they leave behind.

tests/sync/test_sync_batch_send.py checks batch-send's own output for many of these answers; here
the whole pipeline runs against them, and what matters is the queue afterwards: every event the
server did not take is still there, no retry is counted against an event for the server's fault,
and the user reads one message saying what happened.
"""

import gzip
import json
import socket
import struct
import threading
import time

import pytest
from factories import envelope
from faults_support import BATCH, queue_rows, sync_now
from kitty_testing import fill_queue, store_login
from werkzeug import Response

FAST_RETRIES = ("--retries", "1", "--max-wait", "3")


@pytest.fixture
def queued(httpserver):
    """Five events queued and a login for the test server; returns their ids."""
    store_login(httpserver.url_for("/").rstrip("/"))
    events = [envelope(i) for i in range(5)]
    fill_queue(events)
    return [e["event_id"] for e in events]


def sent(request) -> list[str]:
    return [e["event_id"] for e in json.loads(gzip.decompress(request.get_data()))["events"]]


def results(request, status="success") -> list[dict]:
    return [{"event_id": event_id, "status": status} for event_id in sent(request)]


def json_answer(body, status=200, headers=None) -> Response:
    return Response(json.dumps(body), status, headers, content_type="application/json")


def untouched(ids: list[str]) -> None:
    """Every event still queued, pending, with no retry counted against it."""
    rows = queue_rows()
    assert sorted(rows) == sorted(ids)
    assert {(row["status"], row["retry_count"]) for row in rows.values()} == {("pending", 0)}


def clean(done) -> str:
    stderr = done.stderr.decode()
    assert "Traceback" not in stderr and "access-1" not in stderr + done.stdout.decode()
    return stderr


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_failing_server_leaves_every_event_queued_uncounted(httpserver, queued, status):
    httpserver.expect_request(BATCH, method="POST").respond_with_response(Response("down", status))

    done = sync_now(*FAST_RETRIES)

    assert done.returncode == 3
    assert (
        f'kept answering HTTP {status} (2 attempt(s)) (the server said: "down"); nothing was lost'
    ) in clean(done)
    assert done.stdout.decode().splitlines()[1:3] == [
        "Still queued: 5 (pending: 5, held: 0, outbox: 0)",
        f"  pending: not sent, server error: HTTP {status} after 2 attempt(s) (the server said: "
        '"down"); run `spec-kitty sync-now` again later, and tell the server\'s operators if it '
        "keeps happening",
    ]
    assert len(httpserver.log) == 2
    untouched(queued)


def test_429_without_retry_after_backs_off_then_gives_up_counting_nothing(httpserver, queued):
    httpserver.expect_request(BATCH, method="POST").respond_with_response(
        json_answer({"error": "slow down"}, 429)
    )

    done = sync_now("--retries", "2", "--max-wait", "5")

    assert done.returncode == 3
    assert "kept answering HTTP 429 (3 attempt(s))" in clean(done)
    untouched(queued)


def test_429_with_retry_after_is_waited_out_and_the_sync_completes(httpserver, queued):
    arrivals = []

    def limited_once(request):
        arrivals.append(time.monotonic())
        if len(arrivals) == 1:
            return json_answer({"error": "slow down"}, 429, {"Retry-After": "1"})
        return json_answer({"results": results(request)})

    httpserver.expect_request(BATCH, method="POST").respond_with_handler(limited_once)

    done = sync_now()

    assert done.returncode == 0, clean(done)
    assert arrivals[1] - arrivals[0] >= 1.0
    assert done.stdout.decode().splitlines()[0] == "Synced: 5, Duplicates: 0, Failed: 0"
    assert queue_rows() == {}


def test_a_retry_after_longer_than_the_sync_may_wait_gives_up_at_once(httpserver, queued):
    httpserver.expect_request(BATCH, method="POST").respond_with_response(
        json_answer({"error": "come back tomorrow"}, 429, {"Retry-After": "86400"})
    )

    started = time.monotonic()
    done = sync_now("--max-wait", "5")

    assert time.monotonic() - started < 5
    assert done.returncode == 3 and "HTTP 429" in clean(done)
    untouched(queued)


def test_413_halves_the_chunks_until_the_server_takes_them(httpserver, queued):
    def at_most_two(request):
        if len(sent(request)) > 2:
            return json_answer({"error": "Batch too large"}, 413)
        return json_answer({"results": results(request)})

    httpserver.expect_request(BATCH, method="POST").respond_with_handler(at_most_two)

    done = sync_now()

    assert done.returncode == 0, clean(done)
    assert done.stdout.decode().splitlines()[0] == "Synced: 5, Duplicates: 0, Failed: 0"
    assert queue_rows() == {}


@pytest.mark.parametrize(
    "body", ["<html>a proxy page</html>", '{"ok": true}', '{"results": "all fine"}', ""]
)
def test_a_200_that_is_not_a_batch_answer_removes_nothing(httpserver, queued, body):
    httpserver.expect_request(BATCH, method="POST").respond_with_data(body, status=200)

    done = sync_now()

    assert done.returncode == 3
    said = f' (the server said: "{body}")' if body else ""
    assert f"answered HTTP 200 without a results list{said}; nothing was lost" in clean(done)
    untouched(queued)


def test_results_that_omit_events_or_name_unknown_ids_or_statuses(httpserver, queued):
    def muddled(request):
        ids = sent(request)
        return json_answer(
            {
                "results": [
                    {"event_id": ids[0], "status": "success"},
                    {"event_id": ids[1], "status": "duplicate"},
                    {"event_id": ids[2], "status": "accepted-later"},
                    {"event_id": "01JZZZZZZZZZZZZZZZZZZZZZZZ", "status": "success"},
                    {"event_id": 42, "status": "success"},
                    "not an object",
                ]
            }
        )

    httpserver.expect_request(BATCH, method="POST").respond_with_handler(muddled)

    done = sync_now()

    stderr = clean(done)
    assert done.returncode == 1
    assert "accepted-later" in stderr and queued[2] in stderr
    assert "no result for 2 event(s)" in stderr and queued[3] in stderr
    assert "01JZZZZZZZZZZZZZZZZZZZZZZZ" in stderr
    # Only what the server vouched for left the queue; nothing was counted against the rest.
    untouched(queued[2:])


def test_a_server_slower_than_the_timeout_is_offline_for_this_sync(httpserver, queued):
    release = threading.Event()

    def stalls(request):
        release.wait(10)
        return json_answer({"results": results(request)})

    httpserver.expect_request(BATCH, method="POST").respond_with_handler(stalls)
    try:
        done = sync_now("--timeout", "0.5")
    finally:
        release.set()

    assert done.returncode == 3
    assert "did not answer within 0.5s; nothing was lost" in clean(done)
    untouched(queued)


@pytest.fixture
def resetting_server():
    """A loopback port that reads the start of each request, then resets the connection."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def serve():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            conn.recv(1024)
            # SO_LINGER with a zero timeout turns close() into a TCP reset.
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    listener.close()


def test_a_connection_reset_is_offline_with_nothing_counted(resetting_server):
    store_login(resetting_server)
    events = [envelope(i) for i in range(5)]
    fill_queue(events)

    done = sync_now()

    stderr = clean(done)
    assert done.returncode == 3
    assert "offline: cannot reach" in stderr and "nothing was lost" in stderr
    # The reset is told in a few words, not as a Python exception's repr.
    assert "(connection reset)" in stderr or "(remote end closed connection" in stderr
    assert "RemoteDisconnected(" not in stderr and "ConnectionResetError(" not in stderr
    untouched([e["event_id"] for e in events])


def test_an_unexpected_status_names_the_url_and_keeps_the_queue(httpserver, queued):
    httpserver.expect_request(BATCH, method="POST").respond_with_response(Response("gone", 404))

    done = sync_now()

    assert done.returncode == 2
    assert f"answered HTTP 404 to {httpserver.url_for(BATCH)}" in clean(done)
    untouched(queued)
