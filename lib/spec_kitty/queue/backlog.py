"""Events waiting outside the queue: kept in the outbox when the queue could not take them."""

from pathlib import Path

from spec_kitty.queue.emit import outbox_path


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
