"""The reference server's SQLite file: stored events, logins (sessions), spent refresh tokens and
the signing secret.

One connection shared by the request threads behind a lock; each batch is one transaction, so a
batch is stored whole or not at all, and dedupe holds across restarts. An event is known by its
project and its event_id together: the same id in another project is another event, invisible
here. Listing what was stored (`read_stored_events`) opens the file read-only, so pointing it at
another file changes nothing there.
"""

import hashlib
import json
import os
import secrets
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from spec_kitty.homes import make_private_dirs
from spec_kitty.jsonl import EXIT_STORAGE, ScriptError
from spec_kitty.private_files import open_private

_EVENTS_TABLE = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    project_uuid TEXT NOT NULL,
    username TEXT NOT NULL,
    received_at TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    data TEXT NOT NULL,
    UNIQUE (project_uuid, event_id)
)"""
_SCHEMA = f"""{_EVENTS_TABLE};
CREATE INDEX IF NOT EXISTS events_by_project ON events (project_uuid, seq);
CREATE TABLE IF NOT EXISTS used_refresh_tokens (jti TEXT PRIMARY KEY, used_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    sid TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    started_at TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    ended_at TEXT
);
CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions (username);
CREATE TABLE IF NOT EXISTS password_marks (username TEXT PRIMARY KEY, mark TEXT NOT NULL);
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

STORED, DUPLICATE, CONFLICT = "stored", "duplicate", "conflict"


def _now() -> str:
    return datetime.now(UTC).isoformat()


# Events are stored in this one form, keys sorted, and its hash tells two events with one id
# apart: equal JSON, whatever the key order or spacing, is the same event.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical(event: dict) -> tuple[str, str]:
    """The event's stored text and its content hash."""
    text = _CANONICAL.encode(event)
    return text, hashlib.sha256(text.encode()).hexdigest()


class EventStore:
    def __init__(self, db_path: str | Path):
        self.path = Path(db_path)
        make_private_dirs(self.path.parent)
        # The file holds the token signing secret: owner-only from the start (SQLite gives its
        # -wal and -shm files the same mode), never reached through a link, and an existing file
        # others may read is refused rather than filled with the secret.
        os.close(open_private(self.path, os.O_RDWR | os.O_CREAT))
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=10000")
        _upgrade(self._db)
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

    # -- sessions: one per login, shared by every token refreshed from it -------------------

    def start_session(self, username: str, lifetime: int) -> tuple[str, int]:
        """A new login of `username` ending `lifetime` seconds from now: (session id, its end as
        a Unix time). Refreshing never moves that end."""
        sid, expires_at = uuid.uuid4().hex, int(time.time()) + lifetime
        with self._lock:
            self._db.execute(
                "INSERT INTO sessions (sid, username, started_at, expires_at) VALUES (?, ?, ?, ?)",
                (sid, username, _now(), expires_at),
            )
        return sid, expires_at

    def session_end(self, sid: object, username: str) -> int | None:
        """When the live session `sid` of `username` ends (Unix time); None when it is unknown,
        ended or over."""
        with self._lock:
            row = self._db.execute(
                "SELECT expires_at FROM sessions"
                " WHERE sid = ? AND username = ? AND ended_at IS NULL AND expires_at > ?",
                (str(sid), username, int(time.time())),
            ).fetchone()
        return row[0] if row else None

    def end_sessions(self, username: str) -> int:
        """End every live session of `username`: its tokens are refused from now on."""
        with self._lock:
            return self._end_sessions(username)

    def _end_sessions(self, username: str) -> int:
        return self._db.execute(
            "UPDATE sessions SET ended_at = ? WHERE username = ? AND ended_at IS NULL",
            (_now(), username),
        ).rowcount

    def note_password_marks(self, marks: dict[str, str]) -> list[str]:
        """Remember each user's password mark; the users whose mark changed since the last time
        have their sessions ended, and are returned."""
        changed = []
        with self._lock:
            known = dict(self._db.execute("SELECT username, mark FROM password_marks"))
            for username, mark in marks.items():
                if known.get(username) == mark:
                    continue
                if username in known:
                    changed.append(username)
                    self._end_sessions(username)
                self._db.execute(
                    "INSERT OR REPLACE INTO password_marks (username, mark) VALUES (?, ?)",
                    (username, mark),
                )
        return changed

    # -- events ---------------------------------------------------------------------------

    def store_new(self, events: list[dict], username: str) -> list[str]:
        """Store each event its project does not hold yet, in one transaction.

        Returns, per event in order: STORED (stored now), DUPLICATE (its project holds this id
        with the same content, stored before or earlier in `events`) or CONFLICT (its project
        holds this id with other content; nothing changes). Events of other projects are never
        looked at.
        """
        received = _now()
        outcomes = []
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                held = self._held_hashes(events)
                rows = []
                for event in events:
                    key = (event["project_uuid"], event["event_id"])
                    text, digest = canonical(event)
                    before = held.get(key)
                    if before is not None:
                        outcomes.append(DUPLICATE if before == digest else CONFLICT)
                        continue
                    held[key] = digest
                    outcomes.append(STORED)
                    rows.append(
                        (
                            event["event_id"],
                            event["event_type"],
                            event["project_uuid"],
                            username,
                            received,
                            digest,
                            text,
                        )
                    )
                self._db.executemany(
                    "INSERT INTO events (event_id, event_type, project_uuid, username, "
                    "received_at, content_hash, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return outcomes

    def _held_hashes(self, events: list[dict]) -> dict[tuple[str, str], str]:
        """{(project, event_id): content hash} of the events' ids their own projects hold."""
        by_project: dict[str, list[str]] = {}
        for event in events:
            by_project.setdefault(event["project_uuid"], []).append(event["event_id"])
        held = {}
        for project, event_ids in by_project.items():
            for start in range(0, len(event_ids), _IN_CHUNK):
                chunk = event_ids[start : start + _IN_CHUNK]
                marks = ",".join("?" * len(chunk))
                held.update(
                    ((project, event_id), digest)
                    for event_id, digest in self._db.execute(
                        "SELECT event_id, content_hash FROM events"
                        f" WHERE project_uuid = ? AND event_id IN ({marks})",
                        [project, *chunk],
                    )
                )
        return held

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


def _upgrade(db: sqlite3.Connection) -> None:
    """Bring a database of an earlier release, which knew an event by its id alone, to events
    known by project and id, each with its content hash."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(events)")}
    if not columns or "content_hash" in columns:
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute("ALTER TABLE events RENAME TO events_before_projects")
        db.execute("DROP INDEX IF EXISTS events_by_project")
        db.execute(_EVENTS_TABLE)
        old = db.execute(
            "SELECT seq, event_id, event_type, project_uuid, username, received_at, data"
            " FROM events_before_projects ORDER BY seq"
        )
        db.executemany(
            "INSERT INTO events (seq, event_id, event_type, project_uuid, username, received_at,"
            " content_hash, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            ((*row[:6], canonical(json.loads(row[6]))[1], row[6]) for row in old),
        )
        db.execute("DROP TABLE events_before_projects")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


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
