"""The reference server's SQLite file: stored events, used refresh tokens, the signing secret.

One connection shared by the request threads behind a lock; each batch is one transaction, so a
batch is stored whole or not at all, and dedupe by event_id holds across restarts. Listing what was
stored (`read_stored_events`) opens the file read-only, so pointing it at another file changes
nothing there.
"""

import json
import os
import secrets
import sqlite3
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from spec_kitty.jsonl import EXIT_STORAGE, ScriptError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    project_uuid TEXT NOT NULL,
    username TEXT NOT NULL,
    received_at TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_project ON events (project_uuid, seq);
CREATE TABLE IF NOT EXISTS used_refresh_tokens (jti TEXT PRIMARY KEY, used_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

_EVENT_COLUMNS = {
    "seq",
    "event_id",
    "event_type",
    "project_uuid",
    "username",
    "received_at",
    "data",
}

# SQLite's default limit on host parameters in one statement is 999 on older builds.
_IN_CHUNK = 900


def _now() -> str:
    return datetime.now(UTC).isoformat()


class EventStore:
    def __init__(self, db_path: str | Path):
        self.path = Path(db_path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # The file holds the token signing secret: owner-only from the start (SQLite gives its
        # -wal and -shm files the same mode).
        os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600))
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=10000")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def signing_secret(self) -> str:
        """The secret tokens are signed with, made on first start and kept, so logins survive a
        restart of the server."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = 'jwt_secret'").fetchone()
            if row:
                return row[0]
            secret = secrets.token_hex(32)
            self._db.execute("INSERT INTO meta (key, value) VALUES ('jwt_secret', ?)", (secret,))
            return secret

    def use_refresh_token(self, jti: str) -> bool:
        """Record a refresh token as spent; False when it had been spent before."""
        with self._lock:
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO used_refresh_tokens (jti, used_at) VALUES (?, ?)",
                (jti, _now()),
            )
            return cursor.rowcount == 1

    def store_new(self, events: list[dict], username: str) -> list[bool]:
        """Store each event whose event_id is not stored yet, in one transaction.

        Returns, per event in order, True when it was stored now and False when it is a duplicate
        (stored before, or an earlier event of `events` had the same id).
        """
        received = _now()
        stored_now = []
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                seen = self._stored_ids([e["event_id"] for e in events])
                rows = []
                for event in events:
                    event_id = event["event_id"]
                    stored_now.append(event_id not in seen)
                    if event_id in seen:
                        continue
                    seen.add(event_id)
                    rows.append(
                        (
                            event_id,
                            event["event_type"],
                            event["project_uuid"],
                            username,
                            received,
                            json.dumps(event, separators=(",", ":"), ensure_ascii=False),
                        )
                    )
                self._db.executemany(
                    "INSERT INTO events (event_id, event_type, project_uuid, username, "
                    "received_at, data) VALUES (?, ?, ?, ?, ?, ?)",
                    rows,
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return stored_now

    def _stored_ids(self, event_ids: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(event_ids), _IN_CHUNK):
            chunk = event_ids[start : start + _IN_CHUNK]
            marks = ",".join("?" * len(chunk))
            found.update(
                row[0]
                for row in self._db.execute(
                    f"SELECT event_id FROM events WHERE event_id IN ({marks})", chunk
                )
            )
        return found

    def stored_events(
        self, project_uuids: Iterable[str] | None = None, after: int = 0, limit: int | None = None
    ) -> list[dict]:
        """Stored events in arrival order, each {"seq", "received_at", "username", "event"}."""
        with self._lock:
            return _select_events(self._db, project_uuids, after, limit)

    def count(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM events").fetchone()[0]


def read_stored_events(
    db_path: str | Path,
    project_uuids: Iterable[str] | None = None,
    after: int = 0,
    limit: int | None = None,
) -> list[dict]:
    """`EventStore.stored_events` of the server database at `db_path`, opened read-only.

    Any other file (missing, not SQLite, or another program's database) is one ScriptError.
    """
    path = Path(db_path)
    if not path.is_file():
        raise _not_a_server_database(path)
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            columns = {row[1] for row in db.execute("PRAGMA table_info(events)")}
            if not _EVENT_COLUMNS <= columns:
                raise _not_a_server_database(path)
            return _select_events(db, project_uuids, after, limit)
        finally:
            db.close()
    except sqlite3.OperationalError as exc:
        raise ScriptError(f"cannot read {path}: {exc}", EXIT_STORAGE) from None
    except sqlite3.DatabaseError:
        raise _not_a_server_database(path) from None


def _not_a_server_database(path: Path) -> ScriptError:
    return ScriptError(f"{path} is not a reference-server database")


def _select_events(
    db: sqlite3.Connection, project_uuids: Iterable[str] | None, after: int, limit: int | None
) -> list[dict]:
    sql = "SELECT seq, received_at, username, data FROM events WHERE seq > ?"
    params: list = [after]
    if project_uuids is not None:
        wanted = list(project_uuids)
        sql += f" AND project_uuid IN ({','.join('?' * len(wanted))})"
        params += wanted
    sql += " ORDER BY seq"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [
        {"seq": seq, "received_at": at, "username": who, "event": json.loads(data)}
        for seq, at, who, data in db.execute(sql, params).fetchall()
    ]
