"""Events waiting outside the queue's pending count: held in the queue, or kept in the outbox.

Neither is sent by `sync-now` as it stands, so both are shown beside the queue depth.
"""

from pathlib import Path

from spec_kitty.queue.emit import outbox_path

HELD = "held"


def held_count(stats: dict) -> int:
    """Events the queue holds back rather than send (queue stats' `held`, or its `by_status`
    count, once the queue has that status; 0 before)."""
    held = stats.get(HELD)
    if not isinstance(held, int):
        held = (stats.get("by_status") or {}).get(HELD, 0)
    return held if isinstance(held, int) else 0


def outbox_count(path: Path | None = None) -> int:
    """Events a command kept in the outbox because the queue could not take them (one a line);
    `spec-kitty queue-backfill` moves them into the queue."""
    path = path or outbox_path()
    count = 0
    try:
        with open(path, "rb") as outbox:
            for line in outbox:
                count += bool(line.strip())
    except FileNotFoundError:
        return 0
    return count
