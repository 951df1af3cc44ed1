"""sync-status and sync-diagnose on a realistic queue: mixed age, retries and validity."""

import json
from datetime import UTC, datetime, timedelta

from factories import envelope
from kitty_testing import DEMO_USER, fill_queue, json_lines, login, store_login
from spec_kitty.queue.account import DEAD_LETTERED_NEXT_STEP, HELD_NEXT_STEP
from spec_kitty.queue.store import Queue
from spec_kitty.sync.credentials import CredentialStore
from sync_support import closed_port_url


def mixed_queue() -> dict:
    """50 events: 40 valid (10 of them rejected once, 5 dead-lettered) and 10 of a lane or shape
    the contract refuses, as an older version queued them: 3 pending with an unknown lane, 2
    held for it, 1 held by a version that did not know `approved` yet, 4 with a bad wp_id."""
    events = []
    now = datetime.now(UTC)
    for i in range(50):
        event = envelope(i)
        event["timestamp"] = (now - timedelta(hours=50 - i)).isoformat()
        events.append(event)
    for event in events[40:45]:
        event["payload"]["to_lane"] = "merged"
    events[45]["payload"]["to_lane"] = "approved"
    for event in events[46:]:
        event["payload"]["wp_id"] = "WP1"
    fill_queue(events)
    with Queue() as queue:
        queue.hold(
            [
                {
                    "event_id": e["event_id"],
                    "category": "unknown_lane",
                    "reason": f"unknown lane {e['payload']['to_lane']!r} in to_lane",
                }
                for e in events[43:46]
            ]
        )
        rejected = [
            {
                "event_id": e["event_id"],
                "status": "rejected",
                "error": "try later",
                "category": "server_error",
            }
            for e in events[10:20]
        ]
        queue.ack(rejected)
        dead = [
            {
                "event_id": e["event_id"],
                "status": "rejected",
                "error": "bad project",
                "category": "forbidden",
            }
            for e in events[:5]
        ]
        queue.ack(dead, max_rejections=1)
    return {e["event_id"]: e for e in events}


def test_status_describes_the_queue_and_the_stored_login(script, reference_server):
    mixed_queue()
    login(reference_server.url)
    done = script("spec-kitty", "sync-status", "--json")
    assert done.returncode == 0, done.stderr
    [status] = json_lines(done.stdout)
    account, queue, sync = status["account"], status["queue"], status["sync"]
    assert (account["pending"], account["dead_lettered"], account["held"]) == (42, 5, 3)
    assert (account["outbox"], account["salvaged"]) == (0, [])
    assert set(account["next_steps"]) == {"dead_lettered", "held"}
    assert (queue["depth"], queue["dead_lettered"], queue["held"]) == (42, 5, 3)
    assert queue["held_reasons"] == [
        {"category": "unknown_lane", "reason": "unknown lane 'merged' in to_lane", "count": 2},
        {"category": "unknown_lane", "reason": "unknown lane 'approved' in to_lane", "count": 1},
    ]
    assert queue["retry_counts"] == {"0": 35, "1": 15}
    # The five oldest are dead-lettered: the oldest *pending* event is 45 hours old.
    assert 44.9 * 3600 < queue["oldest_event_age_seconds"] < 45.1 * 3600
    assert queue["top_failure_reasons"] == [
        {"category": "server_error", "reason": "try later", "count": 10},
        {"category": "forbidden", "reason": "bad project", "count": 5},
    ]
    assert queue["top_failing_event_types"] == [{"event_type": "WPStatusChanged", "count": 15}]
    assert sync["state"] == "logged_in" and sync["username"] == DEMO_USER
    assert sync["checked"] is False

    text = script("spec-kitty", "sync-status").stdout.decode()
    assert (
        "pending: 42   dead-lettered: 5   held: 3   outbox: 0   damaged files: 0   "
        "oldest: 1.9 d ago"
    ) in text
    assert "failure [server_error] x10: try later" in text
    assert f"  dead-lettered: 5: {DEAD_LETTERED_NEXT_STEP}\n" in text
    assert "  held [unknown_lane] x2: unknown lane 'merged' in to_lane\n" in text
    assert "  held [unknown_lane] x1: unknown lane 'approved' in to_lane\n" in text
    assert f"  held: 3: {HELD_NEXT_STEP}\n" in text
    assert f"Sync logged in: logged in as demo to {reference_server.url}" in text


def test_check_reports_a_connected_server_and_never_prints_the_token(script, reference_server):
    login(reference_server.url)
    done = script("spec-kitty", "sync-status", "--check")
    assert done.returncode == 0, done.stderr
    assert "Sync connected:" in done.stdout.decode()
    assert "answered 200 and accepted the token" in done.stdout.decode()
    token = CredentialStore().load().access
    assert token.encode() not in done.stdout + done.stderr


def test_check_refreshes_an_expired_access_token_first(script, reference_server):
    login(reference_server.url)
    store = CredentialStore()
    with store.locked():
        creds = store.load()
        creds.access_expires_at = datetime.now(UTC) - timedelta(minutes=1)
        store.save(creds)
    done = script("spec-kitty", "sync-status", "--check", "--json")
    [status] = json_lines(done.stdout)
    assert status["sync"]["state"] == "connected"
    assert store.load().access != creds.access


def test_check_says_when_not_logged_in(script):
    done = script("spec-kitty", "sync-status", "--check")
    assert done.returncode == 4
    assert "Sync not logged in:" in done.stdout.decode()
    assert "spec-kitty auth-login --server URL" in done.stdout.decode()


def test_check_says_when_the_token_expired_and_refresh_failed(script, reference_server):
    store_login(reference_server.url, access="stale", refresh="revoked", access_in=-60)
    done = script("spec-kitty", "sync-status", "--check", "--json")
    assert done.returncode == 4
    [status] = json_lines(done.stdout)
    assert status["sync"]["state"] == "login_expired"
    assert "refresh failed" in status["sync"]["detail"]
    assert status["sync"]["next_step"] == "log in again: `spec-kitty auth-login`"


def test_check_says_when_the_server_is_unreachable(script):
    store_login(closed_port_url())
    done = script("spec-kitty", "sync-status", "--check")
    assert done.returncode == 3
    text = done.stdout.decode()
    assert "Sync unreachable: offline: cannot reach" in text and "connection refused" in text


def test_diagnose_names_each_mismatch_and_counts_problems(script):
    events = mixed_queue()
    ordered = list(events.values())
    done = script("spec-kitty", "sync-diagnose")
    assert done.returncode == 1
    out = done.stdout.decode().splitlines()
    lane_lines = [line for line in out if line.startswith("event ") and "unknown lane" in line]
    assert len(lane_lines) == 3
    assert lane_lines[0].startswith(f"event {ordered[40]['event_id']} (WPStatusChanged): ")
    assert "unknown lane 'merged' in payload.to_lane: expected one of planned," in lane_lines[0]
    wp_lines = [line for line in out if "payload.wp_id: found 'WP1'" in line]
    assert len(wp_lines) == 4
    assert "50 queued event(s) checked, 9 invalid" in out
    assert any(line.split() == ["5", "unknown_lane", "at", "payload.to_lane"] for line in out)

    [report] = json_lines(script("spec-kitty", "sync-diagnose", "--json").stdout)
    assert report["checked"] == 50 and report["invalid"] == 9
    assert report["counts"] == {
        "unknown_lane at payload.to_lane": 5,
        "schema_mismatch at payload.wp_id": 4,
    }
    assert {p["event_id"] for p in report["problems"]} == {
        e["event_id"] for e in ordered[40:43] + ordered[46:]
    }
    assert json.dumps(report["problems"][0]["found"]) == '"merged"'


def test_diagnose_says_why_each_event_is_held_and_what_to_do(script):
    events = list(mixed_queue().values())
    merged, learned = events[43], events[45]

    out = script("spec-kitty", "sync-diagnose").stdout.decode()

    held = out[out.index("held: 3 event(s), not sent until their problem is fixed") :]
    lines = held.splitlines()
    assert lines[1].startswith(f"  {merged['event_id']} (WPStatusChanged WP01), held 20")
    assert lines[1].endswith(": unknown lane 'merged' in to_lane")
    assert lines[2].startswith("    unknown lane 'merged' in payload.to_lane: expected one of")
    assert lines[3] == (
        "    what to do: upgrade this toolkit if a newer spec-kitty wrote it, or drop it: "
        f"`spec-kitty queue-drop --event-id {merged['event_id']}`"
    )
    assert f"  {learned['event_id']} (WPStatusChanged WP01)" in held
    assert "    this version can send it: the next `spec-kitty sync-now` does" in held
    assert lines[-1].startswith("  next: held events are not sent")
    assert "queue-drop --all-held" in lines[-1] and "queue-requeue --all-held" in lines[-1]

    [report] = json_lines(script("spec-kitty", "sync-diagnose", "--json").stdout)
    by_id = {item["event_id"]: item for item in report["held"]}
    assert list(by_id) == [e["event_id"] for e in events[43:46]]
    assert by_id[merged["event_id"]]["reason"] == "unknown lane 'merged' in to_lane"
    assert by_id[merged["event_id"]]["sendable"] is False
    assert by_id[merged["event_id"]]["problems"][0]["code"] == "unknown_lane"
    assert by_id[learned["event_id"]]["sendable"] is True
    assert by_id[learned["event_id"]]["problems"] == []
    assert "queue-drop" in report["held_next_step"]


def test_diagnose_on_a_clean_queue_exits_0(script):
    fill_queue([envelope(i) for i in range(3)])
    done = script("spec-kitty", "sync-diagnose")
    assert done.returncode == 0
    assert done.stdout.decode().splitlines() == ["3 queued event(s) checked, 0 invalid"]
