"""sync-status and sync-diagnose on a realistic queue: mixed age, retries and validity."""

import json
from datetime import UTC, datetime, timedelta

from kitty_testing import DEMO_USER, envelope, fill_queue, login, store_login
from spec_kitty.queue.store import Queue
from spec_kitty.sync.credentials import CredentialStore
from sync_support import closed_port_url

NOW = datetime.now(UTC)


def json_lines(data: bytes) -> list[dict]:
    return [json.loads(line) for line in data.splitlines() if line.strip()]


def mixed_queue() -> dict:
    """50 events: 40 valid (10 of them rejected once, 5 dead-lettered) and 10 invalid."""
    events = []
    for i in range(50):
        event = envelope(i)
        event["timestamp"] = (NOW - timedelta(hours=50 - i)).isoformat()
        events.append(event)
    for event in events[40:46]:
        event["payload"]["to_lane"] = "merged"
    for event in events[46:]:
        event["payload"]["wp_id"] = "WP1"
    fill_queue(events)
    with Queue() as queue:
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
    queue, sync = status["queue"], status["sync"]
    assert queue["depth"] == 45 and queue["dead_lettered"] == 5
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
    assert "pending: 45   dead-lettered: 5   oldest: 1.9 d ago" in text
    assert "failure [server_error] x10: try later" in text
    assert "spec-kitty queue-requeue --all-failed" in text
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
        creds.access_expires_at = NOW - timedelta(minutes=1)
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
    done = script("spec-kitty", "sync-diagnose")
    assert done.returncode == 1
    out = done.stdout.decode().splitlines()
    lane_lines = [line for line in out if "unknown lane 'merged'" in line]
    assert len(lane_lines) == 6
    first_bad = next(e for e in events.values() if e["payload"]["to_lane"] == "merged")
    assert lane_lines[0].startswith(f"event {first_bad['event_id']} (WPStatusChanged): ")
    wp_lines = [line for line in out if "payload.wp_id: found 'WP1'" in line]
    assert len(wp_lines) == 4
    assert "50 queued event(s) checked, 10 invalid" in out
    assert any(line.split() == ["6", "unknown_lane", "at", "payload.to_lane"] for line in out)

    [report] = json_lines(script("spec-kitty", "sync-diagnose", "--json").stdout)
    assert report["checked"] == 50 and report["invalid"] == 10
    assert report["counts"] == {
        "unknown_lane at payload.to_lane": 6,
        "schema_mismatch at payload.wp_id": 4,
    }
    assert {p["event_id"] for p in report["problems"]} == {
        e["event_id"] for e in list(events.values())[40:]
    }
    assert json.dumps(report["problems"][0]["found"]) == '"merged"'


def test_diagnose_on_a_clean_queue_exits_0(script):
    fill_queue([envelope(i) for i in range(3)])
    done = script("spec-kitty", "sync-diagnose")
    assert done.returncode == 0
    assert done.stdout.decode().splitlines() == ["3 queued event(s) checked, 0 invalid"]
