"""Re-queue status changes from the status logs, for events a command could not queue.

Idempotent by event_id: an event still in the queue is not added twice, and one the server
already acknowledged is not offered again (the queue keeps the ids of the last ACKNOWLEDGED_KEPT
acknowledged events; an older one is answered `duplicate` by the server). A log line that cannot
become a valid event (an older release's line without an event_id, or with a time that has no
UTC offset) is named and skipped; the other lines are queued all the same.
"""

from collections.abc import Callable
from pathlib import Path

from spec_kitty.jsonl import warn
from spec_kitty.workflow import records
from spec_kitty.workflow.features import feature_slugs, load_feature
from spec_kitty.workflow.status_log import numbered_events


def backfill_with_outbox(
    root: Path,
    only: str | None = None,
    queue_path: Path | None = None,
    notify: Callable[[str], None] = warn,
) -> dict:
    """What queue-backfill does: queue the events a command kept in the outbox, then backfill;
    backfill's counts with the outbox's under "outbox"."""
    from spec_kitty.queue.emit import drain_outbox
    from spec_kitty.queue.store import Queue

    with Queue(queue_path) as queue:
        outbox = drain_outbox(queue)
        return {**_backfill_into(queue, root, only, notify), "outbox": outbox}


def backfill_line(result: dict) -> str:
    """A backfill_with_outbox result as the line a person reads."""
    outbox = result["outbox"]
    return (
        f"queued {result['queued']} status event(s) from the logs "
        f"({result['already_queued']} were already queued or synced, "
        f"{result['skipped']} line(s) skipped)"
        f"; {outbox['queued']} event(s) from the outbox ({outbox['kept']} kept there)"
    )


def backfill(
    root: Path,
    only: str | None = None,
    queue_path: Path | None = None,
    notify: Callable[[str], None] = warn,
) -> dict:
    """Offer every status event of every feature (or of `only`) to the queue.

    Each skipped line is told to `notify` as `path:line: why`.
    """
    from spec_kitty.queue.store import Queue

    with Queue(queue_path) as queue:
        return _backfill_into(queue, root, only, notify)


def _backfill_into(queue, root: Path, only: str | None, notify: Callable[[str], None]) -> dict:
    from spec_kitty.project import load_identity

    identity = load_identity(root)
    per_feature = {}
    for slug in feature_slugs(root):
        if only and slug != only:
            continue
        log = load_feature(root, slug).log_path
        rows, skipped = _log_rows(log, identity, notify)
        inserted = queue.add(rows, skip_acknowledged=True) if rows else []
        per_feature[slug] = {"logged": len(rows), "queued": sum(inserted), "skipped": skipped}
    return {
        "features": per_feature,
        "queued": sum(f["queued"] for f in per_feature.values()),
        "already_queued": sum(f["logged"] - f["queued"] for f in per_feature.values()),
        "skipped": sum(f["skipped"] for f in per_feature.values()),
    }


def _log_rows(log: Path, identity, notify: Callable[[str], None]) -> tuple[list[tuple], int]:
    """Queue rows for the events of `log`, and how many of its lines were skipped."""
    from spec_kitty.events.complete import complete
    from spec_kitty.events.envelope import InvalidEvent, check_envelope
    from spec_kitty.queue.store import queue_row

    skipped = 0

    def skip(lineno: int, why: str) -> None:
        nonlocal skipped
        skipped += 1
        notify(f"{log}:{lineno}: {why}; line skipped, not queued")

    lines, bare = [], []
    for lineno, event in numbered_events(log):
        try:
            bare.append(records.status_changed(event))
            lines.append(lineno)
        except KeyError as exc:
            skip(lineno, f"no {exc.args[0]} field")
    # One clock reservation for the whole log, not one per line.
    rows = []
    for lineno, event in zip(lines, complete(bare, lambda: identity), strict=True):
        try:
            check_envelope(event)
            rows.append(queue_row(event))
        except (InvalidEvent, ValueError) as exc:
            skip(lineno, str(exc))
    return rows, skipped
