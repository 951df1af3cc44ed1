"""Nothing queued is invisible: sync-now and sync-status account for every event waiting for
sync (pending, held, dead-lettered, in the outbox, in a damaged queue file), and sync-now checks
what it can before sending anything."""

import json
import sqlite3

import pytest
from factories import envelope
from kitty_testing import fill_queue, login, store_login
from spec_kitty.project import ProjectIdentity
from spec_kitty.queue.account import DEAD_LETTERED_NEXT_STEP, OUTBOX_NEXT_STEP
from spec_kitty.queue.emit import emit, outbox_path
from spec_kitty.queue.store import Queue
from sync_support import BATCH, all_succeed, closed_port_url, queued_ids
from werkzeug import Response

IDENTITY = ProjectIdentity(envelope(0)["project_uuid"], "sync")
NOTE = {
    "event_type": "HistoryAdded",
    "aggregate_id": "WP01",
    "payload": {"wp_id": "WP01", "entry_type": "note", "entry_content": "queued while locked"},
}


def locked_queue(spec_kitty_home):
    """A connection holding the queue's write lock, as a long write of another process would."""
    with Queue():
        pass
    holder = sqlite3.connect(spec_kitty_home / "event-queue.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def lines(done) -> list[str]:
    return done.stdout.decode().splitlines()


def test_an_event_kept_in_the_outbox_is_counted_then_sent_by_sync_now(
    script, reference_server, spec_kitty_home, monkeypatch
):
    login(reference_server.url)
    holder = locked_queue(spec_kitty_home)
    monkeypatch.setenv("SPEC_KITTY_QUEUE_TIMEOUT", "0.2")
    try:
        told = []
        assert emit([NOTE], IDENTITY, notify=told.append) == []
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert OUTBOX_NEXT_STEP in told[0]

    [status] = [json.loads(script("spec-kitty", "sync-status", "--json").stdout)]
    text = script("spec-kitty", "sync-status").stdout.decode()
    done = script("spec-kitty", "sync-now")

    assert (status["account"]["pending"], status["account"]["outbox"]) == (0, 1)
    assert status["account"]["outbox_path"] == str(outbox_path())
    assert "outbox: 1   " in text
    assert f"  outbox: 1 event(s) a command could not queue, in {outbox_path()}" in text
    assert done.returncode == 0, done.stderr
    assert lines(done) == [
        "Synced: 1, Duplicates: 0, Failed: 0",
        "  from the outbox: 1 event(s) a command could not queue earlier, queued by this sync",
        "Still queued: 0 (pending: 0, held: 0, outbox: 0)",
        "Dead-lettered: 0 by this run, 0 in all",
    ]
    [stored] = reference_server.stored_events()
    assert stored["payload"]["entry_content"] == "queued while locked"
    assert not outbox_path().exists()


def test_dead_lettering_is_told_by_the_run_that_does_it_and_by_every_later_one(
    script, reference_server
):
    login(reference_server.url)
    bad = envelope(1)
    del bad["payload"]["wp_id"]
    fill_queue([envelope(0), bad])

    first = script("spec-kitty", "sync-now", "--max-rejections", "1")
    second = script("spec-kitty", "sync-now")

    assert first.returncode == 1
    assert lines(first)[0] == "Synced: 1, Duplicates: 0, Failed: 1 (reason: schema_mismatch: 1)"
    step = lines(first)[1]
    assert step.startswith("  schema_mismatch: the server's event schema does not accept")
    assert "then `spec-kitty sync-now` again" not in step
    assert step.endswith(
        "; now dead-lettered (sync-now no longer sends them): after the fix, "
        "`spec-kitty queue-requeue --all-failed`, then `spec-kitty sync-now`"
    )
    assert lines(first)[2:] == [
        "Still queued: 0 (pending: 0, held: 0, outbox: 0)",
        f"Dead-lettered: 1 by this run, 1 in all: {DEAD_LETTERED_NEXT_STEP}",
    ]
    assert second.returncode == 0
    assert lines(second) == [
        "Synced: 0, Duplicates: 0, Failed: 0",
        "Still queued: 0 (pending: 0, held: 0, outbox: 0)",
        f"Dead-lettered: 0 by this run, 1 in all: {DEAD_LETTERED_NEXT_STEP}",
    ]
    assert (
        json.loads(script("spec-kitty", "sync-now", "--json").stdout)["account"]["dead_lettered"]
        == 1
    )


def test_an_offline_run_says_how_many_stay_queued_and_why(script):
    store_login(closed_port_url())
    fill_queue([envelope(i) for i in range(3)])

    done = script("spec-kitty", "sync-now")
    summary = json.loads(script("spec-kitty", "sync-now", "--json").stdout)

    assert done.returncode == 3
    assert lines(done) == [
        "Synced: 0, Duplicates: 0, Failed: 0",
        "Still queued: 3 (pending: 3, held: 0, outbox: 0)",
        "  pending: not sent, offline: cannot reach the server (connection refused); "
        "run `spec-kitty sync-now` again when the server is reachable",
        "Dead-lettered: 0 by this run, 0 in all",
    ]
    assert b"batch-send: offline: cannot reach http://127.0.0.1:" in done.stderr
    assert summary["stopped"]["reason"] == "offline"
    assert summary["account"]["pending"] == 3


def test_a_throttled_run_shows_the_servers_words_with_the_token_blanked(httpserver, script):
    store_login(httpserver.url_for("/").rstrip("/"), access="access-secret-123")
    fill_queue([envelope(i) for i in range(2)])
    words = "rate limit for token access-secret-123 reached: retry in 58 s " + "x" * 300
    httpserver.expect_request(BATCH, method="POST").respond_with_response(
        Response(json.dumps({"detail": words}), 429, {"Retry-After": "58"})
    )

    done = script("spec-kitty", "sync-now", "--max-wait", "1")

    assert done.returncode == 3
    said = lines(done)[2].split('(the server said: "')[1].split('")')[0]
    assert lines(done)[2].startswith("  pending: not sent, throttled: HTTP 429 after 1 attempt(s)")
    assert said.startswith("rate limit for token [secret] reached: retry in 58 s xxx")
    assert len(said) <= 200 and said.endswith("...")
    assert lines(done)[2].endswith(
        "the server asks for fewer requests: run `spec-kitty sync-now` again later"
    )
    assert b"access-secret-123" not in done.stdout + done.stderr
    assert len(queued_ids()) == 2


def test_one_event_too_large_for_the_server_is_an_oversized_event(httpserver, script, tmp_path):
    store_login(httpserver.url_for("/").rstrip("/"))
    fill_queue([envelope(0)])
    httpserver.expect_request(BATCH, method="POST").respond_with_response(
        Response(json.dumps({"error": "Request body exceeds 1 KB"}), 413)
    )
    report = tmp_path / "report.json"

    done = script("spec-kitty", "sync-now", "--report", str(report))

    assert done.returncode == 1
    assert lines(done)[0] == "Synced: 0, Duplicates: 0, Failed: 1 (reason: oversized_event: 1)"
    assert lines(done)[1].startswith(
        "  oversized_event: these events are larger than the server accepts in one request"
    )
    [failure] = json.loads(report.read_text())["failures"]
    assert failure["category"] == "oversized_event"
    assert (
        'larger than the server accepts (HTTP 413: "Request body exceeds 1 KB")'
        in (failure["error"])
    )


def test_the_report_keeps_the_servers_per_event_details(script, reference_server, tmp_path):
    login(reference_server.url)
    bad = envelope(0)
    bad["payload"]["wp_id"] = "WP1"
    fill_queue([bad])
    report = tmp_path / "report.json"

    script("spec-kitty", "sync-now", "--report", str(report))

    [failure] = json.loads(report.read_text())["failures"]
    assert failure["details"] == [
        {"path": "payload.wp_id", "found": "WP1", "expected": failure["details"][0]["expected"]}
    ]
    assert failure["details"][0]["expected"]


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("--report", "/no/such/dir/r.json"), "--report /no/such/dir/r.json has no folder"),
        (("--report", "."), "--report . is a folder"),
        (("--chunk-size", "0"), "--chunk-size expects a whole number of at least 1, got '0'"),
        (("--timeout", "soon"), "--timeout expects a number, got 'soon'"),
        (("--max-rejections", "0"), "--max-rejections expects a whole number of at least 1"),
    ],
)
def test_what_can_be_checked_before_sending_is_and_then_nothing_is_sent(
    httpserver, script, args, error
):
    store_login(httpserver.url_for("/").rstrip("/"))
    httpserver.expect_request(BATCH, method="POST").respond_with_handler(all_succeed)
    fill_queue([envelope(0)])

    done = script("spec-kitty", "sync-now", *args)

    assert done.returncode == 2
    [message] = done.stderr.decode().splitlines()
    assert error in message and message.endswith("nothing was sent")
    assert done.stdout == b""
    assert httpserver.log == []
    assert len(queued_ids()) == 1


def test_a_locked_queue_stops_the_sync_before_anything_is_sent(
    script, reference_server, spec_kitty_home
):
    login(reference_server.url)
    fill_queue([envelope(0)])
    holder = locked_queue(spec_kitty_home)
    try:
        done = script("spec-kitty", "sync-now", env={"SPEC_KITTY_QUEUE_TIMEOUT": "0.3"})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    stored_before = reference_server.stored_events()
    again = script("spec-kitty", "sync-now")

    assert done.returncode == 5
    assert b"is locked by another process (waited 0.3s)" in done.stderr
    assert done.stderr.strip().endswith(b"nothing was sent")
    assert stored_before == []
    assert again.returncode == 0, again.stderr
    assert lines(again)[0] == "Synced: 1, Duplicates: 0, Failed: 0"


def test_a_wholly_corrupt_queue_is_shown_until_its_file_is_deleted(script, spec_kitty_home):
    spec_kitty_home.mkdir(parents=True)
    (spec_kitty_home / "event-queue.db").write_bytes(b"not a queue at all\n" * 100)
    (spec_kitty_home / "event-queue.db").chmod(0o600)  # as the queue creates it
    store_login(closed_port_url())

    status = script("spec-kitty", "sync-status")
    [account] = [json.loads(script("spec-kitty", "sync-status", "--json").stdout)["account"]]
    [damaged] = spec_kitty_home.glob("event-queue.db.corrupt-*")
    done = script("spec-kitty", "sync-now")
    damaged.unlink()
    after = script("spec-kitty", "sync-status")

    assert f"was damaged: moved it to {damaged}" in status.stderr.decode()
    assert "damaged files: 1" in status.stdout.decode()
    assert (
        f"  damaged queue kept: {damaged}: 0 event(s) recovered, an unknown number could not "
        "be read\n"
    ) in status.stdout.decode()
    assert "spec-kitty queue-backfill" in status.stdout.decode()
    assert account["salvaged"] == [
        {
            "path": str(damaged),
            "salvaged_at": account["salvaged"][0]["salvaged_at"],
            "recovered": 0,
            "unreadable": None,
        }
    ]
    assert done.returncode == 1
    assert lines(done)[-1].startswith(f"Damaged queue kept: {damaged}: 0 event(s) recovered")
    assert "damaged files: 0" in after.stdout.decode()
    assert "damaged queue kept" not in after.stdout.decode()


def test_a_salvage_counts_the_rows_it_could_not_read(script, spec_kitty_home):
    events = [envelope(i) for i in range(5)]
    fill_queue(events)
    path = spec_kitty_home / "event-queue.db"
    db = sqlite3.connect(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute("UPDATE events SET data = '{torn' WHERE event_id = ?", (events[2]["event_id"],))
    db.commit()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    header = bytearray(path.read_bytes())
    header[28:32] = (10_000).to_bytes(4, "big")  # claims more pages than the file has
    path.write_bytes(bytes(header))

    [account] = [json.loads(script("spec-kitty", "sync-status", "--json").stdout)["account"]]

    [salvage] = account["salvaged"]
    assert (salvage["recovered"], salvage["unreadable"]) == (4, 1)
    assert account["pending"] == 4
