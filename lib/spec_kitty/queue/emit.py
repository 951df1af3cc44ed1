"""Emitting events from inside a command: complete them and queue them, never failing the command.

The workflow records every change in its own files first; queueing for sync is best effort here
and can be redone from those files (queue backfill), so a queue problem becomes a warning.
"""

import sqlite3
from collections.abc import Callable
from pathlib import Path

from spec_kitty.events.complete import complete
from spec_kitty.events.envelope import InvalidEvent, check_envelope
from spec_kitty.jsonl import ScriptError, warn
from spec_kitty.project import ProjectIdentity
from spec_kitty.queue.store import Queue, queue_row


def envelopes(records: list[dict], identity: ProjectIdentity) -> list[dict]:
    """Full, checked envelopes for bare records; InvalidEvent names the first bad one."""
    events = complete(records, lambda: identity)
    for event in events:
        check_envelope(event)
    return events


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
        events = envelopes(records, identity)
        with Queue(queue_path, notify=notify) as queue:
            queue.add([queue_row(event) for event in events])
        return events
    except (ScriptError, InvalidEvent, ValueError, OSError, sqlite3.Error) as exc:
        notify(
            f"event not queued for sync ({exc}); it is kept locally, "
            "run `spec-kitty queue-backfill`"
        )
        return []
