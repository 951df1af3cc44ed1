"""Emitting events from inside a command: complete them and queue them, never failing the command.

The workflow records every change in its own files first; queueing for sync is best effort here
and can be redone from those files (queue backfill), so a queue problem becomes a warning.
"""

import sqlite3
from collections.abc import Callable
from pathlib import Path

from spec_kitty.events.complete import complete
from spec_kitty.events.envelope import InvalidEvent, check_envelope
from spec_kitty.jsonl import ScriptError, dumps, warn
from spec_kitty.project import ProjectIdentity
from spec_kitty.queue.store import Queue, sortable_timestamp


def emit(
    records: list[dict],
    identity: ProjectIdentity,
    queue_path: Path | None = None,
    notify: Callable[[str], None] = warn,
) -> list[dict]:
    """Queue `records` (bare: event_type, aggregate_id, payload, optional event_id).

    Returns the full envelopes that were queued (or found already queued). On any queue failure
    it warns once and returns [] instead of raising.
    """
    try:
        events = complete(records, lambda: identity)
        for event in events:
            check_envelope(event)
        rows = [
            (e["event_id"], e["event_type"], sortable_timestamp(e["timestamp"]), dumps(e))
            for e in events
        ]
        with Queue(queue_path, notify=notify) as queue:
            queue.add(rows)
        return events
    except (ScriptError, InvalidEvent, ValueError, OSError, sqlite3.Error) as exc:
        notify(
            f"event not queued for sync ({exc}); it is kept locally, "
            "run `spec-kitty queue-backfill`"
        )
        return []
