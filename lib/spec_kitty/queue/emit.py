"""Emitting events from inside a command: complete them and queue them, never failing the command.

A command records its change in its own files first and queueing for sync is best effort: when
the queue cannot take the events (locked, disk full, damaged clock), they are appended to an
outbox file beside the queue, which the next `spec-kitty sync-now` (or `queue-backfill`) moves
into the queue.
"""

import json
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from spec_kitty.atomic import replace_file
from spec_kitty.events.complete import complete, is_bare
from spec_kitty.events.envelope import InvalidEvent, check_envelope
from spec_kitty.filelock import file_lock
from spec_kitty.homes import ensure_private_dir
from spec_kitty.jsonl import ScriptError, dumps, warn
from spec_kitty.project import ProjectIdentity
from spec_kitty.queue.outbox import OUTBOX_NEXT_STEP, outbox_path
from spec_kitty.queue.store import Queue, queue_row

_QUEUE_FAILURES = (ScriptError, InvalidEvent, ValueError, OSError, sqlite3.Error)


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
    it keeps the records in the outbox, warns once and returns [] instead of raising.
    """
    events: list[dict] = []
    try:
        events = envelopes(records, identity)
        with Queue(queue_path, notify=notify) as queue:
            queue.add([queue_row(event) for event in events])
        return events
    except _QUEUE_FAILURES as exc:
        # Completed envelopes keep their ids and clocks; bare records keep the project identity.
        kept = events or [
            {"project_uuid": identity.uuid, "project_slug": identity.slug, **record}
            for record in records
        ]
        notify(f"{len(kept)} event(s) not queued for sync ({exc}); {_keep(kept)}")
        return []


def _keep(events: list[dict]) -> str:
    path = outbox_path()
    try:
        ensure_private_dir(path.parent)
        with file_lock(path.with_name(path.name + ".lock")):
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as outbox:
                outbox.write("".join(dumps(event) + "\n" for event in events))
    except (ScriptError, OSError) as exc:
        return f"they could not be kept either ({exc}): they are lost for sync"
    return f"kept in {path}; {OUTBOX_NEXT_STEP}"


def drain_outbox(queue: Queue) -> dict:
    """Move the outbox's events into `queue`; lines that still cannot be queued stay there."""
    path = outbox_path()
    if not path.exists():
        return {"queued": 0, "already_queued": 0, "kept": 0}
    with file_lock(path.with_name(path.name + ".lock")):
        rows, kept = [], []
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                record = json.loads(line)
                if is_bare(record):
                    [record] = envelopes([record], _identity_of(record))
                check_envelope(record)
                rows.append(queue_row(record))
            except (*_QUEUE_FAILURES, TypeError, KeyError) as exc:
                warn(f"outbox {path}: kept a line that cannot be queued ({exc})")
                kept.append(line)
        inserted = queue.add(rows) if rows else []
        if kept:
            replace_file(path, "".join(line + "\n" for line in kept))
        else:
            path.unlink()
    return {"queued": sum(inserted), "already_queued": len(rows) - sum(inserted), "kept": len(kept)}


def _identity_of(record: dict) -> ProjectIdentity:
    return ProjectIdentity(record["project_uuid"], record.get("project_slug") or "")
