"""Reading the unsynced events of a spec-kitty 2.x queue, strictly read-only.

2.x keeps them in `~/.spec-kitty/queue.db` and `~/.spec-kitty/queues/queue-*.db`, table `queue`
(id, event_id, event_type, data, timestamp, retry_count, coalesce_key), `data` holding the event as
JSON. The files stay 2.x's: they are opened with SQLite's read-only mode and never changed.
"""

import json
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from spec_kitty.homes import spec_kitty_home
from spec_kitty.jsonl import ScriptError

REQUIRED_COLUMNS = {"id", "event_id", "event_type", "data", "timestamp", "retry_count"}


def default_queue_files() -> list[Path]:
    """The 2.x queue files present in the spec-kitty home, main queue first.

    2.x keeps one queue per login under queues/; with more than one there, which is the user's
    own is not ours to guess (another login's events would be sent under theirs), so the user
    names the file instead.
    """
    home = spec_kitty_home()
    main = home / "queue.db"
    per_login = sorted((home / "queues").glob("queue-*.db"))
    if len(per_login) > 1:
        raise ScriptError(
            f"{len(per_login)} spec-kitty 2.x login queues in {home / 'queues'} "
            f"({', '.join(p.name for p in per_login)}): name the one of your current login, "
            "e.g. `queue-import PATH`, so no other login's events are sent under yours"
        )
    return ([main] if main.is_file() else []) + per_login


def legacy_events(path: Path, notify: Callable[[str], None]) -> Iterator[dict]:
    """The events queued in the 2.x queue file `path`, oldest first, as envelopes.

    Rows whose data is not a JSON object are reported through `notify` and skipped.
    """
    db = _open_read_only(path)
    try:
        for row_id, event_id, event_type, data, timestamp in _rows(db, path):
            event = _envelope(event_id, event_type, data, timestamp)
            if event is None:
                notify(f"{path}: row {row_id} ({event_id}) does not hold a JSON event; skipped")
                continue
            yield event
    finally:
        db.close()


def _open_read_only(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise ScriptError(f"{path}: no such file (expected a spec-kitty 2.x queue.db)")
    db = sqlite3.connect(_read_only_uri(path), uri=True)
    try:
        columns = {row[1] for row in db.execute("PRAGMA table_info(queue)")}
    except sqlite3.DatabaseError as exc:
        db.close()
        raise ScriptError(f"{path} is not a spec-kitty 2.x queue: {exc}") from None
    missing = REQUIRED_COLUMNS - columns
    if missing:
        db.close()
        what = "no table `queue`" if not columns else f"table `queue` lacks {sorted(missing)}"
        raise ScriptError(
            f"{path} is not a spec-kitty 2.x queue: {what} (expected columns "
            f"{', '.join(sorted(REQUIRED_COLUMNS))})"
        )
    return db


def _read_only_uri(path: Path) -> str:
    """SQLite's read-only mode; for a WAL-mode file that no one has open (no -wal file beside
    it) also `immutable`, because a read-only reader would otherwise create -wal and -shm files
    next to 2.x's queue."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    with path.open("rb") as handle:
        header = handle.read(100)
    wal_mode = header.startswith(b"SQLite format 3\x00") and header[18:19] == b"\x02"
    if wal_mode and not Path(f"{path}-wal").exists():
        uri += "&immutable=1"
    return uri


def _rows(db: sqlite3.Connection, path: Path) -> Iterator[tuple]:
    try:
        # 2.x's own drain order: a coalesced row keeps its old id but takes the newer event's
        # timestamp, so id order alone would put it before events queued earlier.
        cursor = db.execute(
            "SELECT id, event_id, event_type, data, timestamp FROM queue ORDER BY timestamp, id"
        )
        while rows := cursor.fetchmany(1000):
            yield from rows
    except sqlite3.DatabaseError as exc:
        raise ScriptError(f"{path}: cannot read the queue ({exc})") from None


def _envelope(event_id, event_type, data, timestamp) -> dict | None:
    try:
        event = json.loads(data) if isinstance(data, str | bytes) else None
    except ValueError:
        return None
    if not isinstance(event, dict):
        return None
    # The JSON is the event as 2.x built it; the row's columns fill in what older rows left out.
    event.setdefault("event_id", event_id)
    event.setdefault("event_type", event_type)
    if "timestamp" not in event and timestamp is not None:
        event["timestamp"] = _iso(timestamp)
    return event


def _iso(timestamp: object) -> object:
    """2.x rows hold ISO text, or seconds since the epoch in older files."""
    if isinstance(timestamp, int | float):
        return datetime.fromtimestamp(timestamp, UTC).isoformat()
    return timestamp
