"""`spec-kitty sync-now` end to end: real pipes between the four scripts, real servers."""

import json
import os
import signal
import stat
import subprocess
import threading
import time
import tomllib
from datetime import UTC, datetime

import pytest
from factories import envelope
from kitty_testing import DEMO_PASSWORD, DEMO_USER, fill_queue, login, store_login
from spec_kitty.queue.account import HELD_NEXT_STEP
from spec_kitty.queue.store import Queue
from spec_kitty.server import ReferenceServer
from spec_kitty.sync.credentials import CredentialStore
from sync_support import BATCH, VENV_BIN, closed_port_url, queued_ids, sent_events
from werkzeug import Response

OTHER_PROJECT = "0b7c2f6e-9d41-4e8a-8f3b-5a6c7d8e9f00"


def start_sync(*args) -> subprocess.Popen:
    """sync-now in its own process group, as a terminal would run it."""
    return subprocess.Popen(
        [str(VENV_BIN / "spec-kitty"), "sync-now", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def stored_ids(server) -> list[str]:
    return [event["event_id"] for event in server.stored_events()]


def test_sync_now_delivers_every_queued_event(script, reference_server):
    login(reference_server.url)
    events = [envelope(i, to_lane=("claimed", "in_progress", "blocked")[i % 3]) for i in range(25)]
    fill_queue(events)

    done = script("spec-kitty", "sync-now", "--chunk-size", "10")

    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().splitlines() == [
        "Synced: 25, Duplicates: 0, Failed: 0",
        "Still queued: 0 (pending: 0, held: 0, outbox: 0)",
        "Dead-lettered: 0 by this run, 0 in all",
    ]
    assert stored_ids(reference_server) == [e["event_id"] for e in events]
    assert {e["payload"]["to_lane"] for e in reference_server.stored_events()} == {"doing"}
    assert queued_ids() == []


def test_failures_are_grouped_with_a_next_step_and_reported_per_event(script, tmp_path):
    server = ReferenceServer(
        tmp_path / "server.db",
        users={DEMO_USER: {"password": DEMO_PASSWORD, "projects": [envelope(0)["project_uuid"]]}},
    ).start()
    try:
        login(server.url)
        good = [envelope(i) for i in range(3)]
        lane = envelope(3, to_lane="nowhere")
        schema = envelope(4)
        del schema["payload"]["wp_id"]
        forbidden = envelope(5, project=OTHER_PROJECT)
        fill_queue([*good, lane, schema, forbidden])
        report = tmp_path / "report.json"

        done = script("spec-kitty", "sync-now", "--report", str(report))
    finally:
        server.stop()

    lines = done.stdout.decode().splitlines()
    assert done.returncode == 1
    assert lines[0] == (
        "Synced: 3, Duplicates: 0, Failed: 3 "
        "(reason: schema_mismatch: 1, unknown_lane: 1, forbidden: 1)"
    )
    assert [line.split(":")[0].strip() for line in lines[1:4]] == [
        "schema_mismatch",
        "unknown_lane",
        "forbidden",
    ]
    assert "auth-status" in lines[3]
    assert lines[4:] == [
        "Still queued: 3 (pending: 2, held: 1, outbox: 0)",
        "  pending: the next `spec-kitty sync-now` sends them (2 refused by this run, see above)",
        "  held: 1 by this run (unknown lane 'nowhere' in to_lane); " + HELD_NEXT_STEP,
        "Dead-lettered: 0 by this run, 0 in all",
    ]
    data = json.loads(report.read_text())
    failures = {f["event_id"]: f for f in data["failures"]}
    assert failures[schema["event_id"]]["category"] == "schema_mismatch"
    assert failures[schema["event_id"]]["retry_count"] == 1
    assert failures[schema["event_id"]]["event_type"] == "WPStatusChanged"
    assert failures[schema["event_id"]]["aggregate_id"] == "WP01"
    assert "wp_id" in failures[schema["event_id"]]["error"]
    assert failures[forbidden["event_id"]]["category"] == "forbidden"
    assert failures[lane["event_id"]]["category"] == "unknown_lane"
    assert failures[lane["event_id"]]["outcome"] == "held"
    assert failures[lane["event_id"]]["event_type"] == "WPStatusChanged"
    assert failures[lane["event_id"]]["aggregate_id"] == "WP01"
    assert "nowhere" in failures[lane["event_id"]]["error"]
    tokens = CredentialStore().load()
    assert tokens.access not in report.read_text() and tokens.refresh not in report.read_text()
    # The event with an unknown lane is held: kept, and not offered to the next sync.
    assert sorted(queued_ids()) == sorted(e["event_id"] for e in (schema, forbidden))
    with Queue() as queue:
        assert [row[0] for row in queue.held()] == [lane["event_id"]]


def test_a_2x_login_file_serves_the_sync_and_keeps_its_layout_after_a_refresh(
    script, reference_server, spec_kitty_home
):
    expired = reference_server.issue_token(DEMO_USER, "access", lifetime=-60)
    refresh = reference_server.issue_token(DEMO_USER, "refresh", lifetime=3600)
    spec_kitty_home.mkdir(mode=0o700, parents=True)
    path = spec_kitty_home / "credentials"
    path.write_text(
        f'[tokens]\naccess = "{expired}"\nrefresh = "{refresh}"\n\n'
        '[expiries]\naccess = "2020-01-01T00:00:00Z"\nrefresh = "2099-01-01T00:00:00Z"\n\n'
        f'[user]\nusername = "{DEMO_USER}"\nteam_slug = "kitty-team"\n\n'
        f'[server]\nurl = "{reference_server.url}"\n'
    )
    path.chmod(0o600)
    fill_queue([envelope(0)])

    done = script("spec-kitty", "sync-now")

    assert done.returncode == 0, done.stderr
    assert queued_ids() == []
    doc = tomllib.loads(path.read_text())
    assert doc["tokens"]["access"] != expired and doc["tokens"]["refresh"] != refresh
    assert set(doc["tokens"]) == {"access", "refresh"}
    assert datetime.fromisoformat(doc["expiries"]["access"]) > datetime.now(UTC)
    assert doc["user"] == {"username": DEMO_USER, "team_slug": "kitty-team"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_reference_server_limits_split_batches_and_rate_limits_leave_events_queued(
    script, tmp_path
):
    events = [envelope(i) for i in range(6)]
    one_event = len(json.dumps(events[0]))
    server = ReferenceServer(
        tmp_path / "server.db",
        users={DEMO_USER: {"password": DEMO_PASSWORD, "projects": ["*"]}},
        max_body_bytes=3 * one_event,
        rate_limit=3,
    ).start()
    try:
        login(server.url)
        fill_queue(events)

        done = script("spec-kitty", "sync-now", "--chunk-size", "4", "--max-wait", "1")
        stored = stored_ids(server)
    finally:
        server.stop()

    # The first 4 are refused as too large and sent as 2 + 2; the rate limit (3 requests a
    # minute) then asks for a wait longer than allowed, so the last 2 stay queued, uncounted.
    assert done.returncode == 3
    assert b"too large" in done.stderr
    assert b"HTTP 429" in done.stderr and b"nothing was lost" in done.stderr
    assert stored == [e["event_id"] for e in events[:4]]
    assert queued_ids() == [e["event_id"] for e in events[4:]]
    with Queue() as queue:
        assert queue.stats()["retry_counts"] == {"0": 2}


def test_json_summary(script, reference_server):
    login(reference_server.url)
    fill_queue([envelope(0)])

    done = script("spec-kitty", "sync-now", "--json")

    summary = json.loads(done.stdout)
    assert summary["synced"] == 1 and summary["failed"] == 0 and summary["exit_code"] == 0


def test_offline_leaves_every_event_queued_untouched(script):
    store_login(closed_port_url())
    events = [envelope(i) for i in range(3)]
    fill_queue(events)

    done = script("spec-kitty", "sync-now")

    assert done.returncode == 3
    assert b"offline" in done.stderr and b"Traceback" not in done.stderr
    assert queued_ids() == [e["event_id"] for e in events]
    with Queue() as queue:
        assert queue.stats()["retry_counts"] == {"0": 3}


def test_an_expired_login_asks_to_log_in_again(script, reference_server):
    store_login(reference_server.url, access_in=-10, refresh_in=-5)
    fill_queue([envelope(0)])

    done = script("spec-kitty", "sync-now")

    assert done.returncode == 4
    assert b"spec-kitty auth-login" in done.stderr
    assert len(queued_ids()) == 1


def test_a_second_sync_waits_its_turn(script, reference_server, spec_kitty_home):
    from spec_kitty.sync.lock import SyncLock

    login(reference_server.url)
    fill_queue([envelope(0)])

    with SyncLock():
        busy = script("spec-kitty", "sync-now")

    assert busy.returncode == 5
    assert f"another sync is running (pid {os.getpid()}".encode() in busy.stderr
    assert len(queued_ids()) == 1


class HoldingServer:
    """A batch endpoint that stores events once (answering duplicate after) and, on request
    `hold_at`, stores that chunk and then holds the answer until released."""

    def __init__(self, httpserver, hold_at: int):
        self.accepted: list[str] = []
        self.requests = 0
        self.held = threading.Event()
        self.release = threading.Event()
        self.hold_at = hold_at
        httpserver.expect_request(BATCH, method="POST").respond_with_handler(self.handle)

    def handle(self, request):
        self.requests += 1
        results = []
        for event in sent_events(request):
            new = event["event_id"] not in self.accepted
            if new:
                self.accepted.append(event["event_id"])
            results.append(
                {"event_id": event["event_id"], "status": "success" if new else "duplicate"}
            )
        if self.requests == self.hold_at:
            self.held.set()
            self.release.wait(10)
        return Response(json.dumps({"results": results}), 200, content_type="application/json")


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGINT], ids=["killed", "ctrl-c"])
def test_an_interrupted_sync_loses_nothing_and_the_next_one_finishes(httpserver, server_url, stop):
    store_login(server_url)
    events = [envelope(i) for i in range(30)]
    ids = [e["event_id"] for e in events]
    fill_queue(events)
    server = HoldingServer(httpserver, hold_at=2)

    first = start_sync("--chunk-size", "10")
    assert server.held.wait(20)
    os.killpg(first.pid, stop)
    out, err = first.communicate(timeout=20)
    server.release.set()

    if stop == signal.SIGINT:
        # queue-ack applied the chunk the server had answered before the interruption.
        assert first.returncode == 130
        assert b"Synced: 10" in out
        assert queued_ids() == ids[10:]
    server.hold_at = 0
    second = start_sync("--chunk-size", "10")
    out, err = second.communicate(timeout=60)

    assert second.returncode == 0, err
    assert queued_ids() == []
    assert sorted(server.accepted) == ids  # each event stored exactly once
    synced, duplicates = (int(part.split(": ")[1]) for part in out.decode().split(", ")[:2])
    assert synced == 10 and duplicates >= 10


def test_killed_between_chunks_against_the_reference_server(script, reference_server):
    login(reference_server.url)
    events = [envelope(i) for i in range(300)]
    fill_queue(events)

    first = start_sync("--chunk-size", "1")
    deadline = time.monotonic() + 30
    while len(reference_server.stored_events()) < 20 and time.monotonic() < deadline:
        time.sleep(0.005)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(10)
    stored_at_kill = len(reference_server.stored_events())

    second = script("spec-kitty", "sync-now", "--chunk-size", "100")

    assert 20 <= stored_at_kill < 300, "the first sync was not interrupted mid-way"
    assert second.returncode == 0, second.stderr
    assert stored_ids(reference_server) == [e["event_id"] for e in events]
    assert queued_ids() == []
