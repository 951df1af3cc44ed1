"""The status snapshot: `status.json` beside the status log, so that reading a feature's lanes
costs the same however long its history is.

The snapshot is derived, the log is the truth. It has the shape spec-kitty 2.x writes
(`feature_slug`, `materialized_at`, `event_count`, `last_event_id`, `work_packages` with each
work package's `lane`, `actor`, `last_transition_at`, `last_event_id` and `force_count`, and a
`summary` of work packages per lane), so either tool reads the other's, plus `log_coverage`:
how much of the log it covers (bytes and lines), a hash of the last bytes it covers, and a hash
of the snapshot itself.

A reader checks the covered part's end against the log (same bytes at the same place) and
replays only the lines after it. A snapshot that is missing, damaged, edited by hand (its own
hash no longer matches), written by another tool or format (spec-kitty 2.x's has no coverage),
or that no longer matches the log's bytes (the log was rewritten or cut) is not used: the whole
log is replayed. Lanes follow the log's order, the last transition of a work package wins, as
everywhere in this toolkit; for a log in time order, which is how both tools append, that is the
reduction 2.x makes. An edit in the middle of the log that keeps its length and its last 4 KiB
is not noticed until the next full replay.

Every command that appends to the log rewrites the snapshot right after, atomically, and commits
both; a command killed in between leaves a snapshot that covers less than the log, which readers
complete from the log and the next append replaces.
"""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from spec_kitty.events.lanes import Lane, read_lane
from spec_kitty.workflow.status_log import parse_lines

SNAPSHOT_NAME = "status.json"
FORMAT = "spec-kitty-toolkit/1"
# How much of the covered part's end the snapshot's hash checks against the log.
END_WINDOW = 4096


@dataclass
class Status:
    """Each work package's state after the log's transitions so far, in 2.x's terms, and how
    far into the log (bytes, lines) that is."""

    feature_slug: str
    work_packages: dict[str, dict] = field(default_factory=dict)
    event_count: int = 0
    last_event_id: str | None = None
    log_bytes: int = 0
    log_lines: int = 0

    def apply(self, event: dict) -> None:
        wp = event["wp_id"]
        before = self.work_packages.get(wp)
        forced = before["force_count"] if before else 0
        self.work_packages[wp] = {
            "lane": event["to_lane"],
            "actor": event.get("actor"),
            "last_transition_at": event.get("at"),
            "last_event_id": event.get("event_id"),
            "force_count": forced + (1 if event.get("force") else 0),
        }
        if not self.event_count:
            named = event.get("feature_slug") or event.get("mission_slug")
            self.feature_slug = named if isinstance(named, str) else self.feature_slug
        self.event_count += 1
        self.last_event_id = event.get("event_id")

    def lanes(self) -> dict[str, Lane | str]:
        """Each work package's lane after its last transition, as logged (`read_lane`)."""
        return {wp: read_lane(state["lane"]) for wp, state in self.work_packages.items()}

    def summary(self) -> dict[str, int]:
        """Work packages per lane: every canonical lane, and any other lane that occurs."""
        counts = dict.fromkeys((lane.value for lane in Lane), 0)
        for state in self.work_packages.values():
            counts[state["lane"]] = counts.get(state["lane"], 0) + 1
        return counts


def snapshot_path(log_path: Path) -> Path:
    return log_path.with_name(SNAPSHOT_NAME)


def read_status(log_path: Path) -> Status:
    """The status after every transition in the log: the snapshot's, completed with the lines
    appended since, or the whole log replayed when the snapshot cannot be used."""
    status, end_hash = _load_snapshot(snapshot_path(log_path), log_path.parent.name)
    try:
        with open(log_path, "rb") as log:
            if status is not None:
                begin = max(0, status.log_bytes - END_WINDOW)
                log.seek(begin)
                data = log.read()
                covered = status.log_bytes - begin
                if len(data) >= covered and _end_hash(data[:covered]) == end_hash:
                    return _replay(status, log_path, data[covered:])
                log.seek(0)
            data = log.read()
    except FileNotFoundError:
        data = b""
    return _replay(Status(log_path.parent.name), log_path, data)


def is_current(log_path: Path) -> bool:
    """Whether the snapshot covers the log exactly as it is on disk: nothing to rewrite (which
    would only change its time)."""
    status, end_hash = _load_snapshot(snapshot_path(log_path), log_path.parent.name)
    try:
        if status is None or log_path.stat().st_size != status.log_bytes:
            return False
        with open(log_path, "rb") as log:
            log.seek(max(0, status.log_bytes - END_WINDOW))
            return _end_hash(log.read()) == end_hash
    except FileNotFoundError:
        return False


def _replay(status: Status, log_path: Path, data: bytes) -> Status:
    """`status` with the transitions in `data` (the log after what `status` covers) applied;
    what it covers grows by the lines that end with a newline."""
    for _lineno, event in parse_lines(log_path, data, status.log_lines + 1):
        status.apply(event)
    whole = data.rfind(b"\n") + 1
    status.log_bytes += whole
    status.log_lines += data.count(b"\n", 0, whole)
    return status


def snapshot_text(status: Status, log_path: Path) -> str:
    """The snapshot of `status`, which must cover the whole log as it is on disk."""
    with open(log_path, "rb") as log:
        begin = max(0, status.log_bytes - END_WINDOW)
        log.seek(begin)
        end = log.read(status.log_bytes - begin)
    body = {
        "event_count": status.event_count,
        "feature_slug": status.feature_slug,
        "last_event_id": status.last_event_id,
        "materialized_at": datetime.now(UTC).isoformat(),
        "summary": status.summary(),
        "work_packages": status.work_packages,
        "log_coverage": {
            "format": FORMAT,
            "bytes": status.log_bytes,
            "lines": status.log_lines,
            "end_sha256": _end_hash(end),
        },
    }
    body["log_coverage"]["snapshot_sha256"] = _self_hash(body)
    return json.dumps(body, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def _load_snapshot(path: Path, slug: str) -> tuple[Status | None, str | None]:
    """The snapshot's status and the hash of the log's end it covers; (None, None) when there
    is none or it cannot be trusted."""
    try:
        body = json.loads(path.read_bytes())
        coverage = body["log_coverage"]
        if coverage.get("format") != FORMAT or coverage.get("snapshot_sha256") != _self_hash(body):
            return None, None
        status = Status(
            feature_slug=body["feature_slug"] or slug,
            work_packages=body["work_packages"],
            event_count=body["event_count"],
            last_event_id=body["last_event_id"],
            log_bytes=coverage["bytes"],
            log_lines=coverage["lines"],
        )
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None, None
    return (status, coverage["end_sha256"]) if _well_formed(status) else (None, None)


def _well_formed(status: Status) -> bool:
    """The types a reader relies on (a file whose hash matches was written by this toolkit, but
    a reader never fails on a snapshot: it replays the log instead)."""
    numbers = (status.event_count, status.log_bytes, status.log_lines)
    return (
        all(type(n) is int and n >= 0 for n in numbers)
        and isinstance(status.work_packages, dict)
        and all(
            isinstance(state, dict)
            and isinstance(state.get("lane"), str)
            and type(state.get("force_count")) is int
            for state in status.work_packages.values()
        )
    )


def _self_hash(body: dict) -> str:
    """The snapshot's hash over everything but this hash itself."""
    coverage = {k: v for k, v in body["log_coverage"].items() if k != "snapshot_sha256"}
    canonical = json.dumps({**body, "log_coverage": coverage}, sort_keys=True, ensure_ascii=False)
    return _sha256(canonical.encode())


def _end_hash(data: bytes) -> str:
    return _sha256(data[-END_WINDOW:])


def _sha256(data: bytes) -> str:
    import hashlib  # here: it loads OpenSSL, which commands that only plan never need

    return hashlib.sha256(data).hexdigest()
