import hashlib
import json
import sqlite3

import pytest
from factories import envelope
from sync_support import make_2x_queue, queued_ids


def fingerprint(path):
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


def test_imports_2x_queues_read_only_and_enqueue_deduplicates(script, spec_kitty_home):
    main = make_2x_queue(
        spec_kitty_home / "queue.db", [envelope(0, to_lane="claimed"), envelope(1)]
    )
    extra = make_2x_queue(spec_kitty_home / "queues" / "queue-abc.db", [envelope(2)], wal=True)
    before = {p: fingerprint(p) for p in (main, extra)}

    exported = script("queue-import")
    first = script("enqueue", input=exported.stdout)
    second = script("enqueue", input=exported.stdout)

    assert exported.returncode == 0, exported.stderr
    events = [json.loads(line) for line in exported.stdout.splitlines()]
    assert events == [envelope(0, to_lane="claimed"), envelope(1), envelope(2)]
    assert [json.loads(x)["status"] for x in first.stdout.splitlines()] == ["queued"] * 3
    assert [json.loads(x)["status"] for x in second.stdout.splitlines()] == ["duplicate"] * 3
    assert queued_ids() == [e["event_id"] for e in events]
    assert {p: fingerprint(p) for p in (main, extra)} == before
    # Not even a journal or WAL file appears beside 2.x's files.
    assert not [side for p in (main, extra) for side in p.parent.glob(p.name + "-*")]


def test_several_login_queues_are_not_mixed_without_being_named(script, spec_kitty_home):
    make_2x_queue(spec_kitty_home / "queues" / "queue-aaa.db", [envelope(0)])
    theirs = make_2x_queue(spec_kitty_home / "queues" / "queue-bbb.db", [envelope(1)])

    refused = script("queue-import")
    named = script("queue-import", str(theirs))

    assert refused.returncode == 2 and refused.stdout == b""
    assert b"2 spec-kitty 2.x login queues" in refused.stderr
    assert b"queue-aaa.db, queue-bbb.db" in refused.stderr
    assert [json.loads(x)["event_id"] for x in named.stdout.splitlines()] == [
        envelope(1)["event_id"]
    ]


def test_fills_in_what_an_older_row_left_out_of_its_data(script, tmp_path):
    event = envelope(0)
    bare = {k: v for k, v in event.items() if k not in ("timestamp",)}
    path = tmp_path / "old.db"
    make_2x_queue(path, [bare])

    done = script("queue-import", str(path))

    (imported,) = [json.loads(line) for line in done.stdout.splitlines()]
    assert imported["timestamp"] == "2026-01-01T00:00:00+00:00"


def test_a_file_that_is_not_a_2x_queue_gets_a_clear_error(script, tmp_path):
    other = tmp_path / "other.db"
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE notes (id INTEGER)")
    db.commit()
    db.close()
    text = tmp_path / "notes.txt"
    text.write_text("hello, this is not a database at all " * 100)

    not_queue = script("queue-import", str(other))
    not_sqlite = script("queue-import", str(text))
    missing = script("queue-import", str(tmp_path / "missing.db"))

    assert not_queue.returncode == 2
    assert b"is not a spec-kitty 2.x queue: no table `queue`" in not_queue.stderr
    assert not_sqlite.returncode == 2 and b"not a spec-kitty 2.x queue" in not_sqlite.stderr
    assert missing.returncode == 2 and b"no such file" in missing.stderr
    for run in (not_queue, not_sqlite, missing):
        assert b"Traceback" not in run.stderr and run.stdout == b""


def test_without_any_2x_queue_there_is_nothing_to_import(script):
    done = script("queue-import")
    assert done.returncode == 0 and done.stdout == b""
    assert b"nothing to import" in done.stderr


def test_events_come_out_in_2x_send_order_even_after_2x_coalesced_a_row(tmp_path):
    from spec_kitty.sync.legacy_queue import legacy_events

    path = make_2x_queue(tmp_path / "queue.db", [envelope(0), envelope(1), envelope(2)])
    # 2.x coalesces a repeated snapshot into the existing row: same id, the new event's
    # data and a later timestamp.
    newer = envelope(3)
    db = sqlite3.connect(path)
    db.execute(
        "UPDATE queue SET event_id = ?, data = ?, timestamp = ? WHERE id = 1",
        (newer["event_id"], json.dumps(newer), 1767225600 + 10),
    )
    db.commit()
    db.close()

    order = [e["event_id"] for e in legacy_events(path, notify=pytest.fail)]

    assert order == [envelope(n)["event_id"] for n in (1, 2, 3)]
