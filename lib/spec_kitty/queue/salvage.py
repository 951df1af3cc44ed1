"""Salvaging a damaged queue file: it is kept beside the queue as
`event-queue.db.corrupt-<UTC time>`, for inspection, and its readable rows are rebuilt into a
fresh queue, which records how many could not be read (sync-status shows it until the damaged
file is deleted).

One process salvages at a time, under a lock beside the queue; the rebuilt queue is filled under
another name and renamed into place, so no process ever opens a half-built one.
"""

import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from spec_kitty.filelock import file_lock
from spec_kitty.private_files import open_unlinked
from spec_kitty.queue.store import (
    _EVENT_COLUMNS,
    _SCHEMA,
    _SQLITE_MAGIC,
    DAMAGED_MARK,
    STATUSES,
    _inode,
    _now,
    _transaction,
)


def salvage(
    path: Path,
    damaged_inode: int | None,
    notify: Callable[[str], None],
    connect: Callable[[], sqlite3.Connection],
) -> sqlite3.Connection:
    """Move the damaged file aside and rebuild the queue from its readable rows; returns the
    rebuilt queue opened with `connect`.

    One process salvages at a time; one that finds the file already replaced since it saw the
    damage simply opens the new queue.
    """
    with file_lock(path.with_name(path.name + ".salvage.lock")):
        if _inode(path) != damaged_inode:
            return connect()
        _rebuild(path, notify)
        return connect()


def _rebuild(path: Path, notify: Callable[[str], None]) -> None:
    """Keep the damaged file under a second name; put a queue of its readable rows in its place."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    damaged = path.with_name(f"{path.name}{DAMAGED_MARK}{stamp}")
    # Kept under a second name; the real name always points at a queue file, so no process
    # ever finds it missing and starts an empty one that the rebuilt queue then replaces.
    os.link(path, damaged)
    for suffix in ("-wal", "-shm"):
        side = Path(str(path) + suffix)
        if side.exists():
            os.replace(side, Path(str(damaged) + suffix))
    found = _readable(damaged)
    # Filled beside the real name and renamed into place: no process ever opens a half-built
    # queue (it would take the missing events for synced ones).
    fresh = path.with_name(f"{path.name}.rebuilding-{os.getpid()}")
    os.close(open_unlinked(fresh, os.O_RDWR | os.O_CREAT | os.O_TRUNC))
    db = sqlite3.connect(fresh, isolation_level=None)
    try:
        db.executescript(_SCHEMA)
        with _transaction(db):
            marks = ", ".join("?" * len(_EVENT_COLUMNS.split(",")))
            db.executemany(
                f"INSERT OR IGNORE INTO events ({_EVENT_COLUMNS}) VALUES ({marks})", found.rows
            )
            db.executemany(
                "INSERT OR IGNORE INTO acknowledged (event_id) VALUES (?)",
                ((event_id,) for event_id in found.acknowledged),
            )
            db.execute(
                "INSERT INTO salvages (damaged, salvaged_at, recovered, unreadable)"
                " VALUES (?, ?, ?, ?)",
                (str(damaged), _now(), len(found.rows), found.unreadable),
            )
    finally:
        db.close()
    os.replace(fresh, path)
    lost = (
        "an unknown number could not be read"
        if found.unreadable is None
        else f"{found.unreadable} could not be read"
    )
    notify(
        f"queue {path} was damaged: moved it to {damaged}, "
        f"recovered {len(found.rows)} event(s) into a new queue, {lost}; "
        "`spec-kitty sync-status` shows it until that file is deleted"
    )


def _intact(row: tuple) -> bool:
    """A salvaged row is kept only if its event data still parses and names the same event."""
    event_id, event_type, timestamp, data, status = row[:5]
    if not (event_id and event_type and timestamp and status in STATUSES):
        return False
    try:
        event = json.loads(data)
    except (TypeError, ValueError):
        return False
    return isinstance(event, dict) and event.get("event_id") == event_id


@dataclass
class _Found:
    """What could be read from a damaged queue."""

    rows: list[tuple] = field(default_factory=list)
    # Rows that were there but could not be read or were damaged; None when unknowable.
    unreadable: int | None = None
    acknowledged: list[str] = field(default_factory=list)


def _readable(damaged: Path) -> _Found:
    """Rows that can still be read from a damaged queue, scanning from both ends.

    Works on a scratch copy (the damaged file stays as it was, for inspection) whose header no
    longer claims a page count, so SQLite reads what is there instead of refusing a short file.
    """
    found = _Found()
    data = bytearray(damaged.read_bytes())
    if not data.startswith(_SQLITE_MAGIC) or len(data) < 100:
        return found  # not a queue at all any more: what it held cannot be known
    data[92:96] = ((int.from_bytes(data[24:28], "big") + 1) % 2**32).to_bytes(4, "big")
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "salvage.db"
        copy.write_bytes(data)
        wal = Path(str(damaged) + "-wal")
        if wal.exists():
            shutil.copyfile(wal, Path(str(copy) + "-wal"))
        db = sqlite3.connect(copy)
        try:
            seen, complete = _scan(db, found)
            damaged_rows = len(seen) - len(found.rows)
            if complete:
                found.unreadable = damaged_rows
            else:
                total = _count(db)
                found.unreadable = None if total is None else total - len(seen) + damaged_rows
            found.acknowledged = _acknowledged(db)
        finally:
            db.close()
    return found


def _scan(db: sqlite3.Connection, found: _Found) -> tuple[set[str], bool]:
    """Read rows from the start until an error, then from the end until a row already read or
    an error; keeps the intact ones. Returns the ids seen and whether every row was reached."""
    seen: set[str] = set()
    for order in ("ASC", "DESC"):
        try:
            for row in db.execute(f"SELECT {_EVENT_COLUMNS} FROM events ORDER BY id {order}"):
                if row[0] in seen:
                    return seen, True  # the two scans met: nothing lies between them
                seen.add(row[0])
                if _intact(row):
                    found.rows.append(row)
        except sqlite3.Error:
            continue
        return seen, True  # read to the end without an error
    return seen, False


def _count(db: sqlite3.Connection) -> int | None:
    try:
        return db.execute("SELECT count(*) FROM events").fetchone()[0]
    except sqlite3.Error:
        return None


def _acknowledged(db: sqlite3.Connection) -> list[str]:
    """The acknowledged ids still readable (best effort: they only spare a resend)."""
    ids: list[str] = []
    try:
        for (event_id,) in db.execute("SELECT event_id FROM acknowledged ORDER BY id"):
            ids.append(event_id)
    except sqlite3.Error:
        pass
    return ids
