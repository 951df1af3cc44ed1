"""What waits outside the queue: the outbox."""

from spec_kitty.project import ProjectIdentity
from spec_kitty.queue.backlog import outbox_count
from spec_kitty.queue.emit import emit, outbox_path

IDENTITY = ProjectIdentity("550e8400-e29b-41d4-a716-446655440000", "demo")
HISTORY = {
    "event_type": "HistoryAdded",
    "aggregate_id": "WP01",
    "payload": {"wp_id": "WP01", "entry_type": "note", "entry_content": "hello"},
}


def test_the_outbox_counts_the_events_a_command_could_not_queue(spec_kitty_home):
    assert outbox_count() == 0
    spec_kitty_home.mkdir(parents=True)
    (spec_kitty_home / "event-queue.db").mkdir()  # not a file: the queue cannot be opened
    emit([HISTORY, HISTORY], IDENTITY, notify=lambda _: None)
    emit([HISTORY], IDENTITY, notify=lambda _: None)
    assert outbox_count() == 3
    assert outbox_count(outbox_path()) == 3
