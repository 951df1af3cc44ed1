"""What waits besides the pending queue: held events (once the queue holds any) and the outbox."""

from spec_kitty.project import ProjectIdentity
from spec_kitty.queue.backlog import held_count, outbox_count
from spec_kitty.queue.emit import emit, outbox_path
from spec_kitty.queue.store import Queue

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


def test_held_events_are_read_from_the_queue_stats_and_are_none_before_the_queue_holds_any():
    with Queue() as queue:
        stats = queue.stats()
    assert held_count(stats) == 0
    assert held_count({**stats, "held": 4}) == 4
    assert held_count({**stats, "by_status": {"pending": 1, "failed": 0, "held": 2}}) == 2
