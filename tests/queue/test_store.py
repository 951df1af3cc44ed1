import json
import sqlite3

import pytest
from factories import minutes_ago, status_event
from kitty_testing import run_at_once
from spec_kitty.queue.store import Queue, QueueUnavailable, queue_row


def rows(*events):
    return [queue_row(e) for e in events]


@pytest.fixture
def queue(spec_kitty_home):
    with Queue() as q:
        yield q


def exported_ids(queue, **kwargs):
    return [json.loads(text)["event_id"] for text in queue.export(**kwargs)]


def test_queue_lives_in_the_spec_kitty_home_not_in_2x_files(queue, spec_kitty_home):
    assert queue.path == spec_kitty_home / "event-queue.db"
    assert not (spec_kitty_home / "queue.db").exists()
    assert sqlite3.connect(queue.path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_re_adding_an_event_is_a_no_op(queue):
    event = status_event()
    assert queue.add(rows(event)) == [True]
    assert queue.add(rows(event, event)) == [False, False]
    assert queue.stats()["depth"] == 1


def test_export_is_fifo_by_timestamp_then_arrival(queue):
    late = status_event(at=minutes_ago(1))
    early = status_event(at=minutes_ago(5))
    same_a = status_event(timestamp="2026-01-01T10:00:00+00:00")
    # The same instant written with another offset sorts as the same time, after same_a.
    same_b = status_event(timestamp="2026-01-01T11:00:00+01:00")
    queue.add(rows(late, early, same_a, same_b))
    assert exported_ids(queue) == [e["event_id"] for e in (same_a, same_b, early, late)]
    assert exported_ids(queue, limit=2) == [same_a["event_id"], same_b["event_id"]]


def test_success_and_duplicate_remove_rejected_counts_a_retry(queue):
    ok, dup, bad = status_event(), status_event(), status_event()
    queue.add(rows(ok, dup, bad))
    outcomes = queue.ack(
        [
            {"event_id": ok["event_id"], "status": "success"},
            {"event_id": dup["event_id"], "status": "duplicate"},
            {"event_id": bad["event_id"], "status": "rejected", "error": "bad lane"},
            {"event_id": "01UNKNOWNUNKNOWNUNKNOWNUNK", "status": "success"},
        ]
    )
    assert outcomes == ["removed", "removed", "rejected", "unknown_event"]
    assert exported_ids(queue) == [bad["event_id"]]
    stats = queue.stats()
    assert stats["retry_counts"] == {"1": 1}
    assert stats["top_failing_event_types"] == [{"event_type": "WPStatusChanged", "count": 1}]
    assert stats["top_failure_reasons"] == [
        {"category": "unknown", "reason": "bad lane", "count": 1}
    ]


def test_repeated_rejections_dead_letter_visibly_and_can_be_requeued(queue):
    bad, good = status_event(), status_event()
    queue.add(rows(bad, good))
    rejection = {"event_id": bad["event_id"], "status": "rejected", "category": "schema_mismatch"}
    assert queue.ack([rejection], max_rejections=2) == ["rejected"]
    assert queue.ack([rejection], max_rejections=2) == ["dead_lettered"]
    assert exported_ids(queue) == [good["event_id"]]
    assert exported_ids(queue, statuses=("failed",)) == [bad["event_id"]]
    assert queue.stats()["dead_lettered"] == 1
    assert queue.requeue(("failed",)) == [bad["event_id"]]
    assert set(exported_ids(queue)) == {bad["event_id"], good["event_id"]}


def test_counts_follow_changes_made_since_the_queue_was_opened(queue):
    """The open-time count is reused only while the queue is unchanged, by this or any process."""
    first, second = status_event(), status_event()
    assert queue.counts()["pending"] == 0
    queue.add(rows(first, second))
    assert queue.stats(event_types=False)["depth"] == 2
    with Queue() as other:
        queue.ack([{"event_id": first["event_id"], "status": "success"}])
        assert other.counts()["pending"] == 1
        assert other.stats(event_types=False)["depth"] == 1


def test_stats_describe_a_mixed_queue(queue):
    queue.add(rows(status_event(at=minutes_ago(30)), status_event(), status_event()))
    created = {
        "event_id": "01JCREATEDCREATEDCREATEDCR",
        **{k: v for k, v in status_event().items() if k != "event_id"},
        "event_type": "WPCreated",
        "payload": {"wp_id": "WP01", "title": "t", "feature_slug": "001-demo"},
    }
    queue.add(rows(created))
    stats = queue.stats(top=1)
    assert stats["depth"] == 4
    assert stats["by_status"] == {"pending": 4, "failed": 0, "held": 0}
    assert 29 * 60 < stats["oldest_event_age_seconds"] < 31 * 60
    assert stats["top_event_types"] == [{"event_type": "WPStatusChanged", "count": 3}]


def test_stats_without_event_types_give_every_other_figure_the_same(queue):
    events = [status_event() for _ in range(8)]
    created = {
        **status_event(),
        "event_type": "WPCreated",
        "payload": {"wp_id": "WP01", "title": "t", "feature_slug": "001-demo"},
    }
    queue.add(rows(*events, created))
    reject = [{"event_id": e["event_id"], "status": "rejected", "error": "bad"} for e in events[:4]]
    queue.ack(reject, max_rejections=2)
    queue.ack(reject[:1], max_rejections=2)
    queue.ack([{"event_id": created["event_id"], "status": "rejected", "error": "no"}])
    queue.hold([{"event_id": events[5]["event_id"], "reason": "lane", "category": "unknown_lane"}])

    full, lean = queue.stats(), queue.stats(event_types=False)
    assert full["top_event_types"] == [
        {"event_type": "WPStatusChanged", "count": 8},
        {"event_type": "WPCreated", "count": 1},
    ]
    # Every figure but the age, which grows between the two calls.
    moving = ("top_event_types", "oldest_event_age_seconds")
    assert {k: v for k, v in lean.items() if k not in moving} == {
        k: v for k, v in full.items() if k not in moving
    }
    assert "top_event_types" not in lean
    assert lean["by_status"] == {"pending": 7, "failed": 1, "held": 1}
    assert lean["retry_counts"] == {"0": 4, "1": 4, "2": 1}
    assert lean["top_failing_event_types"] == [
        {"event_type": "WPStatusChanged", "count": 4},
        {"event_type": "WPCreated", "count": 1},
    ]
    assert queue.counts() == lean["by_status"]


def test_a_queue_file_indexed_the_old_way_gets_the_new_index_on_open(spec_kitty_home):
    with Queue() as queue:
        bad = status_event()
        queue.add(rows(bad, status_event()))
        queue.ack([{"event_id": bad["event_id"], "status": "rejected", "error": "bad lane"}])
        queue.db.execute("DROP INDEX events_failure_reasons")
        queue.db.execute(
            "CREATE INDEX events_failures ON events (last_error_category, last_error)"
            " WHERE last_error IS NOT NULL"
        )
    with Queue() as queue:
        indexes = {
            name
            for (name,) in queue.db.execute("SELECT name FROM sqlite_master WHERE type='index'")
        }
        assert "events_failure_reasons" in indexes
        assert "events_failures" not in indexes
        assert queue.stats()["top_failure_reasons"] == [
            {"category": "unknown", "reason": "bad lane", "count": 1}
        ]


def test_a_locked_queue_waits_then_names_the_file(spec_kitty_home):
    Queue().close()
    holder = sqlite3.connect(spec_kitty_home / "event-queue.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with Queue(timeout=0.2) as queue, pytest.raises(QueueUnavailable) as info:
            queue.add(rows(status_event()))
    finally:
        holder.execute("ROLLBACK")
    assert "event-queue.db is locked by another process (waited 0.2s)" in str(info.value)
    with Queue() as queue:
        assert queue.add(rows(status_event())) == [True]


def fill(n):
    events = [status_event(at=minutes_ago(n - i)) for i in range(n)]
    with Queue() as queue:
        queue.add(rows(*events))
    return events


def open_after_damage(notes):
    """Open (and use) the queue; damage is found either on open or on first read."""
    try:
        with Queue(notify=notes.append) as queue:
            list(queue.export())
    except QueueUnavailable as exc:
        assert "was rebuilt" in str(exc)
    with Queue(notify=notes.append) as queue:
        return exported_ids(queue)


def test_a_file_that_is_not_a_database_is_moved_aside(spec_kitty_home):
    spec_kitty_home.mkdir(parents=True)
    (spec_kitty_home / "event-queue.db").write_bytes(b"definitely not sqlite\n" * 200)
    (spec_kitty_home / "event-queue.db").chmod(0o600)
    notes = []
    assert open_after_damage(notes) == []
    damaged = list(spec_kitty_home.glob("event-queue.db.corrupt-*"))
    assert len(damaged) == 1
    assert damaged[0].read_bytes().startswith(b"definitely not sqlite")
    assert notes == [
        f"queue {spec_kitty_home / 'event-queue.db'} was damaged: moved it to {damaged[0]}, "
        "recovered 0 event(s) into a new queue, an unknown number could not be read; "
        "`spec-kitty sync-status` shows it until that file is deleted"
    ]


def test_a_truncated_queue_salvages_the_readable_rows(spec_kitty_home):
    events = fill(400)
    path = spec_kitty_home / "event-queue.db"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    notes = []
    recovered = open_after_damage(notes)
    assert 0 < len(recovered) < 400
    assert set(recovered) <= {e["event_id"] for e in events}
    assert f"recovered {len(recovered)} event(s)" in notes[0]


def test_overwritten_pages_salvage_from_both_ends(spec_kitty_home):
    events = fill(400)
    path = spec_kitty_home / "event-queue.db"
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 8192] = b"\xff" * 8192
    path.write_bytes(bytes(data))
    notes = []
    recovered = open_after_damage(notes)
    assert len(recovered) > 200
    assert set(recovered) <= {e["event_id"] for e in events}
    assert f"recovered {len(recovered)} event(s)" in notes[0]
    assert len(list(spec_kitty_home.glob("event-queue.db.corrupt-*"))) == 1


def test_concurrent_openers_of_a_damaged_queue_salvage_it_once(spec_kitty_home):
    events = fill(200)
    path = spec_kitty_home / "event-queue.db"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    code = (
        "from spec_kitty.queue.store import Queue\n"
        "from spec_kitty.jsonl import ScriptError\n"
        "try:\n"
        "    with Queue() as q:\n"
        "        print(sum(1 for _ in q.export()))\n"
        "except ScriptError as exc:\n"
        "    print('rebuilt')\n"
    )
    outputs = [output.strip() for output in run_at_once(code, 4)]
    assert len(list(spec_kitty_home.glob("event-queue.db.corrupt-*"))) == 1
    with Queue() as queue:
        recovered = exported_ids(queue)
    assert 0 < len(recovered) < 200 and set(recovered) <= {e["event_id"] for e in events}
    assert set(outputs) <= {str(len(recovered)), "rebuilt"}


def test_the_queue_file_is_readable_by_its_owner_only(spec_kitty_home):
    spec_kitty_home.mkdir(parents=True, mode=0o755)  # as spec-kitty 2.x creates the home
    with Queue() as queue:
        queue.add(rows(status_event()))
        for path in spec_kitty_home.glob("event-queue.db*"):
            assert path.stat().st_mode & 0o077 == 0, path


def test_acknowledged_ids_are_kept_up_to_a_bound_to_skip_re_offered_events(queue, monkeypatch):
    from spec_kitty.queue import store

    monkeypatch.setattr(store, "ACKNOWLEDGED_KEPT", 3)
    events = [status_event(at=minutes_ago(10 - i)) for i in range(5)]
    queue.add(rows(*events))
    acks = [{"event_id": e["event_id"], "status": "success"} for e in events]
    assert queue.ack(acks) == ["removed"] * 5

    offered = queue.add(rows(*events), skip_acknowledged=True)

    # The two oldest ids were forgotten: offered again, they are queued (the server answers
    # `duplicate`); the last three acknowledged are not.
    assert offered == [True, True, False, False, False]
    assert exported_ids(queue) == [e["event_id"] for e in events[:2]]
