"""Re-queue status changes from the status logs, for events a command could not queue.

Idempotent by event_id: an event still in the queue is not added twice, and one already sent is
answered `duplicate` by the server.
"""

from pathlib import Path

from spec_kitty.workflow import records
from spec_kitty.workflow.features import feature_slugs, load_feature
from spec_kitty.workflow.status_log import read_log


def backfill(root: Path, only: str | None = None, queue_path: Path | None = None) -> dict:
    """Offer every status event of every feature (or of `only`) to the queue."""
    from spec_kitty.project import load_identity
    from spec_kitty.queue.emit import envelopes
    from spec_kitty.queue.store import Queue, queue_row

    identity = load_identity(root)
    per_feature = {}
    with Queue(queue_path) as queue:
        for slug in feature_slugs(root):
            if only and slug != only:
                continue
            feature = load_feature(root, slug)
            bare = [records.status_changed(event) for event in read_log(feature.log_path)]
            rows = [queue_row(event) for event in envelopes(bare, identity)]
            inserted = queue.add(rows) if rows else []
            per_feature[slug] = {"logged": len(rows), "queued": sum(inserted)}
    return {
        "features": per_feature,
        "queued": sum(f["queued"] for f in per_feature.values()),
        "already_queued": sum(f["logged"] - f["queued"] for f in per_feature.values()),
    }
