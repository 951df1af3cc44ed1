"""Held events in the queue: kept aside with their reason, released, requeued, dropped; and a
queue file with an older status check (from before `held` existed, or with the check written as an
IN list, which made every insert slow), migrated in place on open without losing a row."""

import json
import sqlite3

import pytest
from factories import minutes_ago, status_event
from kitty_testing import run_at_once
from spec_kitty.queue.held import release_sendable
from spec_kitty.queue.store import Queue, queue_row

# The queue table as earlier releases created it (written out here, as it was), with the status
# check each of them wrote: before the held status, then with held in an IN list.
OLD_CHECKS = ("status IN ('pending', 'failed')", "status IN ('pending', 'failed', 'held')")
OLD_SCHEMA = """
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    timestamp TEXT NOT NULL,
    data TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK ({check}),
    retry_count INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    last_attempt_at TEXT,
    last_error TEXT,
    last_error_category TEXT
);
CREATE INDEX events_fifo ON events (status, timestamp, id);
CREATE INDEX events_summary ON events (status, retry_count, event_type);
CREATE INDEX events_failures ON events (last_error_category, last_error)
    WHERE last_error IS NOT NULL;
"""

ALL_COLUMNS = "SELECT * FROM events ORDER BY id"


@pytest.fixture
def queue(spec_kitty_home):
    with Queue() as q:
        yield q


def ids(texts) -> list[str]:
    return [json.loads(text)["event_id"] for text in texts]


def unsent(event, lane="merged") -> dict:
    """What collapse-lanes reports for an event it cannot send."""
    return {
        "event_id": event["event_id"],
        "status": "invalid",
        "category": "unknown_lane",
        "reason": f"unknown lane {lane!r} in to_lane",
    }


def test_a_held_event_keeps_its_reason_and_is_not_exported(queue):
    held, other = status_event(to_lane="merged"), status_event()
    queue.add([queue_row(held), queue_row(other)])

    assert queue.hold([unsent(held), unsent({"event_id": "01JNOTQUEUED0000000000000A"})]) == [
        "held",
        "unknown_event",
    ]

    assert ids(queue.export()) == [other["event_id"]]
    assert ids(queue.export(("pending", "failed"))) == [other["event_id"]]
    assert ids(queue.export(("held",))) == [held["event_id"]]
    [(event_id, _text, reason, since)] = queue.held()
    assert (event_id, reason) == (held["event_id"], "unknown lane 'merged' in to_lane")
    assert since
    stats = queue.stats()
    assert (stats["depth"], stats["held"], stats["by_status"]["held"]) == (1, 1, 1)
    assert stats["held_reasons"] == [
        {"category": "unknown_lane", "reason": "unknown lane 'merged' in to_lane", "count": 1}
    ]
    assert stats["top_failure_reasons"] == []  # held is not a rejection by the server


def test_queue_ack_holds_what_collapse_lanes_reports_invalid(queue):
    event = status_event(to_lane="merged")
    queue.add([queue_row(event)])
    assert queue.ack([unsent(event)]) == ["held"]
    assert queue.counts()["held"] == 1


def test_release_puts_back_only_what_this_version_can_send(queue):
    # "approved" stands for a lane an older version did not know and held; this one knows it.
    learned, unknown = status_event(to_lane="approved"), status_event(to_lane="merged")
    queue.add([queue_row(learned), queue_row(unknown)])
    queue.hold([unsent(learned, "approved"), unsent(unknown)])

    assert release_sendable(queue) == [learned["event_id"]]

    assert ids(queue.export()) == [learned["event_id"]]
    assert [row[0] for row in queue.held()] == [unknown["event_id"]]
    row = queue.db.execute(
        "SELECT status, last_error, last_error_category FROM events WHERE event_id = ?",
        (learned["event_id"],),
    ).fetchone()
    assert row == ("pending", None, None)


def test_requeue_and_drop_touch_only_held_or_dead_lettered_events(queue):
    pending, held, failed = status_event(), status_event(to_lane="x"), status_event()
    queue.add([queue_row(e) for e in (pending, held, failed)])
    queue.hold([unsent(held, "x")])
    queue.ack([{"event_id": failed["event_id"], "status": "rejected"}], max_rejections=1)

    assert queue.drop(("held", "failed"), [pending["event_id"]]) == []
    assert queue.requeue(("held",)) == [held["event_id"]]
    assert queue.drop(("failed",)) == [failed["event_id"]]

    assert sorted(ids(queue.export())) == sorted([pending["event_id"], held["event_id"]])
    assert queue.statuses([failed["event_id"], pending["event_id"]]) == {
        pending["event_id"]: "pending"
    }
    with pytest.raises(ValueError):
        queue.drop(("pending",))


def make_old_queue(path, events, check=OLD_CHECKS[0]) -> list[tuple]:
    """A queue file in an old schema, with pending, rejected and dead-lettered rows."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    db = sqlite3.connect(path)
    path.chmod(0o600)  # as the queue always creates it
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(OLD_SCHEMA.format(check=check))
    for i, event in enumerate(events):
        event_id, event_type, timestamp, data = queue_row(event)
        status, retries, error = [
            ("pending", 0, None),
            ("pending", 2, "server said no"),
            ("failed", 5, "schema"),
        ][i % 3]
        db.execute(
            "INSERT INTO events (event_id, event_type, timestamp, data, status, retry_count,"
            " created_at, last_attempt_at, last_error, last_error_category)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                event_id,
                event_type,
                timestamp,
                data,
                status,
                retries,
                "2026-01-01T00:00:00+00:00",
                "2026-01-02T00:00:00+00:00" if error else None,
                error,
                "schema_mismatch" if error else None,
            ),
        )
    db.execute("DELETE FROM events WHERE id = 2")  # a gap, as acknowledged events leave
    db.commit()
    before = db.execute(ALL_COLUMNS).fetchall()
    db.close()
    return before


@pytest.mark.parametrize("check", OLD_CHECKS)
def test_an_old_queue_file_is_migrated_on_open_keeping_every_row(spec_kitty_home, check):
    path = spec_kitty_home / "event-queue.db"
    events = [status_event(at=minutes_ago(60 - i)) for i in range(30)]
    before = make_old_queue(path, events, check)

    with Queue() as queue:
        after = queue.db.execute(ALL_COLUMNS).fetchall()
        assert after == before
        kept = [e for i, e in enumerate(events) if i != 1]
        assert ids(queue.export(("pending", "failed"))) == [e["event_id"] for e in kept]
        assert queue.hold([unsent(events[0])]) == ["held"]
        # New rows continue after the old ids.
        queue.add([queue_row(status_event())])
        (newest,) = queue.db.execute("SELECT max(id) FROM events").fetchone()
        assert newest == len(events) + 1
        indexes = {
            name
            for (name,) in queue.db.execute("SELECT name FROM sqlite_master WHERE type='index'")
        }
        assert {"events_fifo", "events_summary", "events_failure_reasons"} <= indexes
        (table,) = queue.db.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'events'"
        ).fetchone()
        assert check not in table
    assert (
        not sqlite3.connect(path)
        .execute("SELECT name FROM sqlite_master WHERE name = 'events_migrating'")
        .fetchall()
    )


def test_concurrent_openers_migrate_an_old_queue_once(spec_kitty_home):
    path = spec_kitty_home / "event-queue.db"
    before = make_old_queue(path, [status_event(at=minutes_ago(50 - i)) for i in range(50)])
    code = (
        "from spec_kitty.queue.store import Queue\n"
        "with Queue() as q:\n"
        "    print(q.counts()['pending'] + q.counts()['failed'])\n"
    )
    outputs = [output.strip() for output in run_at_once(code, 4)]
    assert outputs == [str(len(before))] * 4
    with Queue() as queue:
        assert queue.db.execute(ALL_COLUMNS).fetchall() == before
