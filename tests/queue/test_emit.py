"""Events a command cannot queue wait in the outbox; queue-backfill's drain moves them over."""

import json

from factories import PROJECT_UUID
from spec_kitty.events import clock
from spec_kitty.project import ProjectIdentity
from spec_kitty.queue.emit import drain_outbox, emit, outbox_path
from spec_kitty.queue.store import Queue

IDENTITY = ProjectIdentity(PROJECT_UUID, "demo")
CREATED = {
    "event_type": "FeatureCreated",
    "aggregate_id": "001-demo",
    "payload": {
        "feature_slug": "001-demo",
        "feature_number": "001",
        "target_branch": "main",
        "wp_count": 0,
    },
}


def queued() -> list[dict]:
    with Queue() as queue:
        return [json.loads(text) for text in queue.export()]


def test_a_queue_that_cannot_open_sends_events_to_the_outbox(spec_kitty_home):
    spec_kitty_home.mkdir(parents=True)
    (spec_kitty_home / "event-queue.db").mkdir()  # not a file: the queue cannot be opened
    notes = []
    assert emit([CREATED], IDENTITY, notify=notes.append) == []
    [kept] = [json.loads(line) for line in outbox_path().read_text().splitlines()]
    assert outbox_path().stat().st_mode & 0o777 == 0o600
    assert kept["event_type"] == "FeatureCreated" and kept["lamport_clock"] == 1
    assert "1 event(s) not queued for sync" in notes[0]
    assert f"kept in {outbox_path()}; the next `spec-kitty sync-now` queues and sends" in notes[0]

    (spec_kitty_home / "event-queue.db").rmdir()
    with Queue() as queue:
        assert drain_outbox(queue) == {"queued": 1, "already_queued": 0, "kept": 0}
        assert drain_outbox(queue) == {"queued": 0, "already_queued": 0, "kept": 0}
    assert [e["event_id"] for e in queued()] == [kept["event_id"]]
    assert not outbox_path().exists()


def test_with_a_damaged_clock_bare_records_wait_with_their_project(spec_kitty_home):
    clock.tick()
    clock_file = spec_kitty_home / clock.CLOCK_FILE
    clock_file.write_text("{torn")
    notes = []
    assert emit([CREATED], IDENTITY, notify=notes.append) == []
    assert "event-clock.json is damaged" in notes[0]
    clock_file.unlink()  # the user follows the clock error's advice
    with Queue() as queue:
        assert drain_outbox(queue)["queued"] == 1
    [event] = queued()
    assert (event["project_uuid"], event["project_slug"]) == (IDENTITY.uuid, "demo")
    assert event["event_type"] == "FeatureCreated"


def test_a_line_that_cannot_be_queued_stays_in_the_outbox(spec_kitty_home):
    spec_kitty_home.mkdir(parents=True)
    outbox_path().write_text('{"event_type": "Nope", "lamport_clock": 1}\nnot json\n')
    with Queue() as queue:
        assert drain_outbox(queue) == {"queued": 0, "already_queued": 0, "kept": 2}
    assert outbox_path().read_text().splitlines() == [
        '{"event_type": "Nope", "lamport_clock": 1}',
        "not json",
    ]
