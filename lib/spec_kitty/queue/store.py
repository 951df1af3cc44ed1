"""The offline event queue: one SQLite file in the spec-kitty home.

Many processes may enqueue at once (WAL, busy timeout); every event is kept until the server has
acknowledged it, or moved to the visible `failed` state after too many rejections, or to `held`
when it cannot be sent at all (a lane this version does not know), with the reason. Neither is
sent again until requeued (held events also by the re-check at the start of every sync), and
neither is deleted except on request (queue-drop). A damaged file is moved aside and its
readable rows are salvaged into a fresh queue (spec_kitty.queue.salvage), which records how many
could not be read; a file from before `held` existed is migrated in place on open.

The ids (not the events) of the last ACKNOWLEDGED_KEPT events the server acknowledged are kept,
so that re-offering old events (queue-backfill) skips those already delivered; beyond that bound
the oldest ids are forgotten, and such an event, offered again, is answered `duplicate`.
"""

import os
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from spec_kitty.homes import ensure_private_dir, spec_kitty_home
from spec_kitty.jsonl import EXIT_STORAGE, ScriptError, dumps, warn
from spec_kitty.private_files import open_private
from spec_kitty.records import INVALID, AckOutcome, ResultStatus

QUEUE_FILE = "event-queue.db"
# A damaged queue is kept beside the new one as `event-queue.db.corrupt-<UTC time>`.
DAMAGED_MARK = ".corrupt-"
DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_REJECTIONS = 5
# About 5 MB of event ids: the status changes of years of work on a busy project.
ACKNOWLEDGED_KEPT = 100_000

PENDING, FAILED, HELD = "pending", "failed", "held"
STATUSES = (PENDING, FAILED, HELD)

# What an event row holds besides its place in arrival order (`id`): what a salvage carries over.
_EVENT_COLUMNS = (
    "event_id, event_type, timestamp, data, status, retry_count, created_at,"
    " last_attempt_at, last_error, last_error_category"
)
_COLUMNS = f"id, {_EVENT_COLUMNS}"

# The status check is spelled as equalities rather than `status IN (...)`: SQLite checks an IN list
# of three or more through a temporary table built for every row inserted, a fifth of enqueue's
# time. `id` only orders events of the same timestamp in arrival order, which a plain rowid (the
# largest plus one) does too; AUTOINCREMENT cost every insert a write to sqlite_sequence.
_STATUS_CHECK = " OR ".join(f"status = '{status}'" for status in STATUSES)

_TABLE = """
CREATE TABLE IF NOT EXISTS {name} (
    id INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    timestamp TEXT NOT NULL,
    data TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK ({status_check}),
    retry_count INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    last_attempt_at TEXT,
    last_error TEXT,
    last_error_category TEXT
);
"""

_INDEXES = """
CREATE INDEX IF NOT EXISTS events_fifo ON events (status, timestamp, id);
-- Let queue-stats count by status, retries and type from small indexes, never the event data.
CREATE INDEX IF NOT EXISTS events_summary ON events (status, retry_count, event_type);
-- Failure reasons by status, from the index alone. It replaces events_failures, which lacked the
-- status: counting the reasons of 100,000 rejected events read each row from the table.
CREATE INDEX IF NOT EXISTS events_failure_reasons
    ON events (last_error_category, last_error, status) WHERE last_error IS NOT NULL;
DROP INDEX IF EXISTS events_failures;
"""

_BOOKKEEPING = """
-- Ids the server acknowledged, oldest first; trimmed to ACKNOWLEDGED_KEPT.
CREATE TABLE IF NOT EXISTS acknowledged (id INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE);
-- Each damaged file this queue was rebuilt from; unreadable is NULL when it cannot be known.
CREATE TABLE IF NOT EXISTS salvages (
    damaged TEXT PRIMARY KEY,
    salvaged_at TEXT NOT NULL,
    recovered INTEGER NOT NULL,
    unreadable INTEGER
);
"""

_SQLITE_MAGIC = b"SQLite format 3\x00"


def _table(name: str) -> str:
    return _TABLE.format(name=name, status_check=_STATUS_CHECK)


_SCHEMA = _table("events") + _INDEXES + _BOOKKEEPING


class QueueUnavailable(ScriptError):
    """The queue file cannot be used right now (locked, unwritable, full); nothing was lost."""

    exit_code = EXIT_STORAGE


def queue_path() -> Path:
    return spec_kitty_home() / QUEUE_FILE


def queue_timeout() -> float:
    """Seconds to wait for a lock held by another process (SPEC_KITTY_QUEUE_TIMEOUT overrides)."""
    raw = os.environ.get("SPEC_KITTY_QUEUE_TIMEOUT")
    try:
        return float(raw) if raw else DEFAULT_TIMEOUT
    except ValueError:
        raise ScriptError(f"SPEC_KITTY_QUEUE_TIMEOUT={raw!r} is not a number of seconds") from None


def sortable_timestamp(value: str) -> str:
    """An ISO-8601 timestamp normalised to UTC microseconds, so text order is time order."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"timestamp {value!r} has no UTC offset")
    if len(value) == 32 and value.endswith("+00:00") and value[19] == ".":
        return value[:26] + "Z"  # already UTC with microseconds: the common case, kept cheap
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def queue_row(event: dict, text: str | None = None) -> tuple[str, str, str, str]:
    """The row `Queue.add` takes for a checked envelope (`text`: its JSON as given, if any)."""
    return (
        event["event_id"],
        event["event_type"],
        sortable_timestamp(event["timestamp"]),
        dumps(event) if text is None else text,
    )


def _now() -> str:
    return datetime.now(UTC).isoformat()


class Queue:
    def __init__(
        self,
        path: Path | None = None,
        timeout: float | None = None,
        notify: Callable[[str], None] = warn,
    ):
        self.path = Path(path) if path else queue_path()
        self.timeout = queue_timeout() if timeout is None else timeout
        self.notify = notify
        self.db = self._open()
        self.inode = _inode(self.path)

    # -- opening, and salvaging a damaged file -------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        ensure_private_dir(self.path.parent)
        # The file as it was before looking: read after the damage shows, it could already be the
        # queue another process rebuilt, which would then be salvaged a second time.
        seen = _inode(self.path)
        try:
            return self._connect()
        except sqlite3.DatabaseError as exc:
            if _is_lock(exc):
                raise self._locked() from None
            if not _is_corruption(exc):
                raise QueueUnavailable(f"cannot open queue {self.path}: {exc}") from None
        return self._salvage(seen)

    def _connect(self) -> sqlite3.Connection:
        # Created owner-only; never through a planted link; refused when others may use it.
        os.close(open_private(self.path, os.O_RDWR | os.O_CREAT))
        _check_header(self.path)
        db = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(_SCHEMA)
            _migrate(db)
            # Walks the schema and the whole event_id index: damage there shows up now, not
            # half-way through a sync. (A full integrity check costs too much on every open.)
            with _reading(db):
                (total,) = db.execute(
                    "SELECT count(*) FROM events INDEXED BY sqlite_autoindex_events_1"
                ).fetchone()
                self._opened = (_state(db), total)
        except BaseException:
            db.close()
            raise
        return db

    def _salvage(self, damaged_inode: int | None) -> sqlite3.Connection:
        """The queue rebuilt from the damaged file's readable rows (see queue.salvage)."""
        from spec_kitty.queue.salvage import salvage  # here: rarely needed, and it loads more

        return salvage(self.path, damaged_inode, self.notify, self._connect)

    def _locked(self) -> QueueUnavailable:
        return QueueUnavailable(
            f"queue {self.path} is locked by another process (waited {self.timeout:g}s); "
            "nothing was lost, try again when it finishes"
        )

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Queue":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------------------------

    def add(
        self, rows: list[tuple[str, str, str, str]], skip_acknowledged: bool = False
    ) -> list[bool]:
        """Insert (event_id, event_type, sortable timestamp, JSON text) rows in one transaction.

        Returns, per row, whether it was inserted: an event_id already queued is left as it is,
        and with `skip_acknowledged` so is one the server has acknowledged (re-offered events).
        """
        created = _now()
        sql = (
            "INSERT OR IGNORE INTO events (event_id, event_type, timestamp, data, created_at)"
            " VALUES (?, ?, ?, ?, ?)"
        )
        if skip_acknowledged:
            sql = (
                "INSERT OR IGNORE INTO events (event_id, event_type, timestamp, data, created_at)"
                " SELECT ?1, ?2, ?3, ?4, ?5"
                " WHERE NOT EXISTS (SELECT 1 FROM acknowledged WHERE event_id = ?1)"
            )
        inserted = []
        with self._guard(), _transaction(self.db):
            cursor = self.db.cursor()
            for event_id, event_type, timestamp, text in rows:
                cursor.execute(sql, (event_id, event_type, timestamp, text, created))
                inserted.append(cursor.rowcount == 1)
        return inserted

    def ack(
        self, results: list[dict], max_rejections: int = DEFAULT_MAX_REJECTIONS
    ) -> list[AckOutcome]:
        """Apply server results in one transaction; returns the outcome of each.

        success / duplicate -> removed ("removed"), its id kept as acknowledged; rejected ->
        retry_count + 1 with the reason, and `failed` once it reaches max_rejections ("rejected"
        or "dead_lettered"); invalid (an event collapse-lanes could not send) -> "held"; an
        event_id not in the queue -> "unknown_event"; any other status -> "ignored".
        """
        now = _now()
        with self._guard(), _transaction(self.db):
            outcomes = [self._ack_one(result, now, max_rejections) for result in results]
            self.db.execute(
                "DELETE FROM acknowledged WHERE id <= (SELECT max(id) FROM acknowledged) - ?",
                (ACKNOWLEDGED_KEPT,),
            )
            return outcomes

    def _ack_one(self, result: dict, now: str, max_rejections: int) -> AckOutcome:
        event_id, status = result.get("event_id"), result.get("status")
        if status in (ResultStatus.SUCCESS, ResultStatus.DUPLICATE):
            gone = self.db.execute("DELETE FROM events WHERE event_id = ?", (event_id,)).rowcount
            if not gone:
                return AckOutcome.UNKNOWN_EVENT
            self.db.execute("INSERT OR IGNORE INTO acknowledged (event_id) VALUES (?)", (event_id,))
            return AckOutcome.REMOVED
        if status == INVALID:
            # What collapse-lanes reports for an event that can never be sent as it is.
            return self._hold_one(result, now)
        if status != ResultStatus.REJECTED:
            return AckOutcome.IGNORED
        row = self.db.execute(
            "UPDATE events SET retry_count = retry_count + 1, last_attempt_at = ?,"
            " last_error = ?, last_error_category = ?,"
            " status = CASE WHEN retry_count + 1 >= ? THEN 'failed' ELSE status END"
            " WHERE event_id = ? RETURNING status",
            (now, result.get("error"), result.get("category"), max_rejections, event_id),
        ).fetchone()
        if row is None:
            return AckOutcome.UNKNOWN_EVENT
        return AckOutcome.DEAD_LETTERED if row[0] == FAILED else AckOutcome.REJECTED

    def retry_counts(self, event_ids: list[str]) -> dict[str, int]:
        """How often each of `event_ids` still queued has been rejected."""
        with self._guard():
            return {
                event_id: count
                for event_id in event_ids
                for (count,) in self.db.execute(
                    "SELECT retry_count FROM events WHERE event_id = ?", (event_id,)
                )
            }

    def hold(self, unsent: list[dict]) -> list[AckOutcome]:
        """Hold events that cannot be sent ({event_id, reason, category}), in one transaction.

        A held event keeps its reason and is not exported for sending until it is released.
        Returns, per record, HELD or UNKNOWN_EVENT (not in the queue).
        """
        now = _now()
        with self._guard(), _transaction(self.db):
            return [self._hold_one(record, now) for record in unsent]

    def _hold_one(self, record: dict, now: str) -> AckOutcome:
        held = self.db.execute(
            "UPDATE events SET status = 'held', last_attempt_at = ?, last_error = ?,"
            " last_error_category = ? WHERE event_id = ?",
            (now, record.get("reason"), record.get("category"), record.get("event_id")),
        ).rowcount
        return AckOutcome.HELD if held else AckOutcome.UNKNOWN_EVENT

    def held(self) -> list[tuple[str, str, str | None, str | None]]:
        """(event_id, JSON text, reason, when held) of every held event, oldest first."""
        with self._guard():
            return self.db.execute(
                "SELECT event_id, data, last_error, last_attempt_at FROM events"
                " WHERE status = 'held' ORDER BY timestamp, id"
            ).fetchall()

    def requeue(self, statuses: Iterable[str], event_ids: Iterable[str] | None = None) -> list[str]:
        """Move events in `statuses` (failed, held) back to pending: all of them, or the given
        ids. A held event's reason is cleared (a sync holds it again if it still cannot be sent);
        a dead-lettered one keeps its rejection history. Returns the ids moved."""
        return self._change(
            "UPDATE events SET status = 'pending', last_error = CASE WHEN status = 'held'"
            " THEN NULL ELSE last_error END, last_error_category = CASE WHEN status = 'held'"
            " THEN NULL ELSE last_error_category END",
            statuses,
            event_ids,
        )

    def drop(self, statuses: Iterable[str], event_ids: Iterable[str] | None = None) -> list[str]:
        """Delete events in `statuses` (held, failed): all of them, or the given ids; pending
        events are never dropped. Returns the ids deleted."""
        return self._change("DELETE FROM events", statuses, event_ids)

    def _change(
        self, statement: str, statuses: Iterable[str], event_ids: Iterable[str] | None
    ) -> list[str]:
        statuses = tuple(statuses)
        if not set(statuses) <= {FAILED, HELD}:
            raise ValueError(f"only failed and held events can be changed, not {statuses}")
        marks = ", ".join("?" for _ in statuses)
        sql = f"{statement} WHERE status IN ({marks})"
        with self._guard(), _transaction(self.db):
            if event_ids is None:
                return [row[0] for row in self.db.execute(sql + " RETURNING event_id", statuses)]
            return [
                row[0]
                for event_id in event_ids
                for row in self.db.execute(
                    sql + " AND event_id = ? RETURNING event_id", (*statuses, event_id)
                )
            ]

    def check_writable(self) -> None:
        """Take the write lock and let it go: QueueUnavailable if it cannot be had in time."""
        with self._guard(), _transaction(self.db):
            pass

    def counts(self) -> dict[str, int]:
        """How many events are in each status."""
        with self._guard(), _reading(self.db):
            return self._counts()

    def _counts(self) -> dict[str, int]:
        # SQLite counts a whole table by its pages, fast; counting the pending events by status
        # would step through every one. Failed and held events are the few, found by the index.
        total = self._total()
        found = dict(
            self.db.execute(
                "SELECT status, count(*) FROM events WHERE status IN (?, ?) GROUP BY status",
                (FAILED, HELD),
            ).fetchall()
        )
        counts = {status: found.get(status, 0) for status in STATUSES}
        counts[PENDING] = total - counts[FAILED] - counts[HELD]
        return counts

    def salvages(self) -> dict[str, tuple[str, int, int | None]]:
        """Damaged files this queue was rebuilt from: path -> (when, recovered, unreadable)."""
        with self._guard():
            return {
                damaged: (at, recovered, unreadable)
                for damaged, at, recovered, unreadable in self.db.execute(
                    "SELECT damaged, salvaged_at, recovered, unreadable FROM salvages"
                )
            }

    def statuses(self, event_ids: Iterable[str]) -> dict[str, str]:
        """The status of each of `event_ids` that is in the queue."""
        with self._guard():
            return {
                event_id: status
                for event_id in event_ids
                for (status,) in self.db.execute(
                    "SELECT status FROM events WHERE event_id = ?", (event_id,)
                )
            }

    # -- reading ---------------------------------------------------------------------------------

    def export(
        self, statuses: Iterable[str] = (PENDING,), limit: int | None = None
    ) -> Iterator[str]:
        """The JSON text of queued events in FIFO order (timestamp, then insertion)."""
        statuses = tuple(statuses)
        marks = ", ".join("?" for _ in statuses)
        sql = f"SELECT data FROM events WHERE status IN ({marks}) ORDER BY timestamp, id" + (
            " LIMIT ?" if limit is not None else ""
        )
        params = statuses + ((limit,) if limit is not None else ())
        with self._guard():
            cursor = self.db.execute(sql, params)
            while rows := cursor.fetchmany(1000):
                for (data,) in rows:
                    yield data

    def stats(self, top: int = 5, event_types: bool = True) -> dict:
        """The queue's figures, from one snapshot of it.

        `top_event_types` counts every event by type, a walk through the whole queue; without
        `event_types` it is left out, and the rest is counted from the events that were
        rejected, dead-lettered or held (found by index) and the size of the queue.
        """
        with self._guard(), _reading(self.db):
            if event_types:
                groups = self.db.execute(
                    "SELECT status, retry_count, event_type, count(*) FROM events"
                    " GROUP BY status, retry_count, event_type"
                ).fetchall()
            else:
                groups = self._unusual_groups()
            oldest = self.db.execute(
                "SELECT min(timestamp) FROM events WHERE status = 'pending'"
            ).fetchone()[0]
            reasons = self.db.execute(
                "SELECT coalesce(last_error_category, 'unknown'), last_error, count(*) AS n"
                " FROM events WHERE last_error IS NOT NULL AND status != 'held'"
                " GROUP BY last_error_category, last_error ORDER BY n DESC, last_error LIMIT ?",
                (top,),
            ).fetchall()
            # Every reason, however many: each held event stays until someone acts on it.
            held_reasons = self.db.execute(
                "SELECT coalesce(last_error_category, 'unknown'), coalesce(last_error, 'unknown'),"
                " count(*) AS n FROM events WHERE status = 'held'"
                " GROUP BY last_error_category, last_error ORDER BY n DESC, last_error"
            ).fetchall()
        by_status = dict.fromkeys(STATUSES, 0)
        retries: Counter = Counter()
        types: Counter = Counter()
        failing: Counter = Counter()
        for status, retry_count, event_type, n in groups:
            by_status[status] += n
            retries[retry_count] += n
            types[event_type] += n
            if retry_count or status == FAILED:
                failing[event_type] += n
        age = None
        if oldest:
            then = datetime.fromisoformat(oldest)  # UTC, with a Z (see sortable_timestamp)
            age = round((datetime.now(UTC) - then).total_seconds(), 3)
        figures = {
            "queue": str(self.path),
            "depth": by_status[PENDING],
            "dead_lettered": by_status[FAILED],
            "held": by_status[HELD],
            "by_status": by_status,
            "oldest_event_timestamp": oldest,
            "oldest_event_age_seconds": age,
            "retry_counts": {str(count): retries[count] for count in sorted(retries)},
        }
        if event_types:
            figures["top_event_types"] = _top(types, "event_type", top)
        return figures | {
            "top_failing_event_types": _top(failing, "event_type", top),
            "top_failure_reasons": [
                {"category": c, "reason": r, "count": n} for c, r, n in reasons
            ],
            "held_reasons": [{"category": c, "reason": r, "count": n} for c, r, n in held_reasons],
        }

    def _unusual_groups(self) -> list[tuple]:
        """(status, retry_count, event_type, count) of the events not pending on their first
        try, and of those that are, their number as one group of no type."""
        groups = self.db.execute(
            "SELECT status, retry_count, event_type, count(*) FROM events"
            " WHERE status IN (?, ?) GROUP BY status, retry_count, event_type"
            " UNION ALL"
            " SELECT status, retry_count, event_type, count(*) FROM events"
            " WHERE status = ? AND retry_count > 0 GROUP BY status, retry_count, event_type",
            (FAILED, HELD, PENDING),
        ).fetchall()
        first_tries = self._total() - sum(n for *_, n in groups)
        return [*groups, (PENDING, 0, None, first_tries)] if first_tries else groups

    def _total(self) -> int:
        """How many events there are, read in a transaction: the count the damage check made on
        opening while nothing has changed since (counting a big queue walks a whole index, a
        third of `sync-status` on a million events), otherwise counted again."""
        state, total = self._opened
        if _state(self.db) == state:
            return total
        (total,) = self.db.execute("SELECT count(*) FROM events").fetchone()
        return total

    def _guard(self):
        return _Guard(self)


def _top(counts: Counter, name: str, top: int) -> list[dict]:
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]
    return [{name: key, "count": n} for key, n in ranked]


class _Guard:
    """Turns SQLite's lock and disk errors into one clear line naming the queue file."""

    def __init__(self, queue: Queue):
        self.queue = queue

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if exc is None or not isinstance(exc, sqlite3.Error):
            return False
        if _is_lock(exc):
            raise self.queue._locked() from None
        if _is_corruption(exc):
            self.queue.db.close()
            self.queue.db = self.queue._salvage(self.queue.inode)
            self.queue.inode = _inode(self.queue.path)
            raise QueueUnavailable(
                f"queue {self.queue.path} turned out damaged and was rebuilt from its readable "
                "events (see above); run the command again"
            ) from None
        if "full" in str(exc) or "I/O" in str(exc):
            raise QueueUnavailable(
                f"queue {self.queue.path}: cannot write ({exc}: is the disk full?); "
                "events already queued are intact, free some space and retry"
            ) from None
        raise QueueUnavailable(f"queue {self.queue.path}: {exc}") from None


class _reading:
    """One read transaction: every figure read in it comes from the same state of the queue."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN")

    def __exit__(self, kind, exc, tb):
        if self.db.in_transaction:
            self.db.execute("COMMIT")
        return False


class _transaction:
    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind, exc, tb):
        if kind is None:
            self.db.execute("COMMIT")
        elif self.db.in_transaction:
            # SQLite may have rolled back already (disk full); then the original error stands.
            self.db.execute("ROLLBACK")
        return False


def _state(db: sqlite3.Connection) -> tuple[int, int]:
    """What changes when the queue does: data_version counts the commits of other connections,
    total_changes the rows this one changed. Read in a transaction, it is that snapshot's."""
    (version,) = db.execute("PRAGMA data_version").fetchone()
    return version, db.total_changes


def _migrate(db: sqlite3.Connection) -> None:
    """Bring a queue written with an older table (a status check before `held` or as an IN list,
    an AUTOINCREMENT id) up to date, keeping every row as it was.

    SQLite cannot change a CHECK constraint in place, so the table is copied into one with the
    current constraint and renamed over the old one, all in one transaction: a crash leaves the
    old table, and a process that waited for the lock finds the work done.
    """
    if _current(db):
        return
    with _transaction(db):
        if _current(db):
            return
        db.execute("DROP TABLE IF EXISTS events_migrating")
        db.execute(_table("events_migrating"))
        db.execute(
            f"INSERT INTO events_migrating ({_COLUMNS}) SELECT {_COLUMNS} FROM events ORDER BY id"
        )
        db.execute("DROP TABLE events")
        db.execute("ALTER TABLE events_migrating RENAME TO events")
        for statement in _INDEXES.split(";"):
            if statement.strip():
                db.execute(statement)


def _current(db: sqlite3.Connection) -> bool:
    (sql,) = db.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'events'"
    ).fetchone()
    return _STATUS_CHECK in sql and "AUTOINCREMENT" not in sql


def _inode(path: Path) -> int | None:
    try:
        return os.stat(path).st_ino
    except FileNotFoundError:
        return None


def _check_header(path: Path) -> None:
    """Raise a corruption error for a file that is not a SQLite database or was truncated."""
    try:
        with open(path, "rb") as f:
            header = f.read(100)
            size = os.fstat(f.fileno()).st_size
    except FileNotFoundError:
        return
    if not header:
        return
    if len(header) < 100 or not header.startswith(_SQLITE_MAGIC):
        raise sqlite3.DatabaseError("file is not a database")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    # The page count is only meaningful when the change counter and version-valid-for agree.
    if header[24:28] == header[92:96] and pages and pages * page_size > size:
        raise sqlite3.DatabaseError("database disk image is malformed: file is truncated")


def _is_lock(exc: sqlite3.Error) -> bool:
    text = str(exc)
    return "locked" in text or "busy" in text


def _is_corruption(exc: sqlite3.Error) -> bool:
    text = str(exc)
    return "not a database" in text or "malformed" in text or "corrupt" in text
