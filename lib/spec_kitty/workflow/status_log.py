"""The status log: `kitty-specs/NNN-slug/status.events.jsonl`, the one truth about lanes.

One JSON object a line, append-only, keys sorted, in the shape spec-kitty 2.x writes, so a feature
moves between the two tools without conversion. spec-kitty 3.x writes the same transitions (with
`mission_slug` for `feature_slug`) and keeps other records in the same file, each marked by a key
a transition never has (`event_type`, `event_name`, `type`, `kind`); those are not lane changes
and are passed over. A crash mid-append can leave a torn last line; reading skips it with a
warning and the next append cuts it off. Any other bad line is an error that names its number:
the log is never guessed at.
"""

import json
import os
from dataclasses import dataclass
from pathlib import Path

from spec_kitty.events.envelope import new_event_id
from spec_kitty.events.lanes import Lane
from spec_kitty.jsonl import ScriptError, warn

LOG_NAME = "status.events.jsonl"

# What marks a record of another kind sharing the log (3.x: lifecycle, decision and retrospective
# events, annotations).
_OTHER_RECORD_KEYS = ("event_type", "event_name", "type", "kind")


def utc_timestamp() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat()


def status_event(
    wp_id: str,
    feature_slug: str,
    from_lane: Lane | str,
    to_lane: Lane | str,
    actor: str,
    *,
    force: bool = False,
    reason: str | None = None,
    evidence: dict | None = None,
    review_ref: str | None = None,
    execution_mode: str = "direct_repo",
    policy_metadata: dict | None = None,
) -> dict:
    return {
        "actor": actor,
        "at": utc_timestamp(),
        "event_id": new_event_id(),
        "evidence": evidence,
        "execution_mode": execution_mode,
        "feature_slug": feature_slug,
        "force": force,
        "from_lane": from_lane,
        "policy_metadata": policy_metadata,
        "reason": reason,
        "review_ref": review_ref,
        "to_lane": to_lane,
        "wp_id": wp_id,
    }


def read_log(path: Path) -> list[dict]:
    """Every event of the log in order ([] when there is none yet)."""
    return [event for _lineno, event in numbered_events(path)]


def numbered_events(path: Path) -> list[tuple[int, dict]]:
    """Every event of the log in order with its line number, for messages that name the line."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    return parse_lines(path, data, 1)


def parse_lines(path: Path, data: bytes, first_lineno: int) -> list[tuple[int, dict]]:
    """The events in `data`, a run of whole lines of the log starting at line `first_lineno`
    (an unterminated last line included, and skipped with a warning when torn)."""
    lines = data.split(b"\n")
    events = []
    for index, raw in enumerate(lines):
        if not raw.strip():
            continue
        lineno = first_lineno + index
        try:
            event = json.loads(raw)
        except ValueError:
            if index == len(lines) - 1:
                warn(
                    f"{path}: ignoring a torn last line (an interrupted write); it is removed "
                    "by the next transition"
                )
                break
            raise ScriptError(
                f"{path} line {lineno}: not a JSON object; fix or remove that line"
            ) from None
        if isinstance(event, dict) and any(key in event for key in _OTHER_RECORD_KEYS):
            continue
        if not isinstance(event, dict) or not event.get("wp_id") or not event.get("to_lane"):
            raise ScriptError(f"{path} line {lineno}: not a status event (needs wp_id, to_lane)")
        events.append((lineno, event))
    return events


@dataclass
class Appended:
    """What an append changed, so a failed command can put the log back as it was."""

    path: Path
    original_size: int | None

    def undo(self) -> None:
        if self.original_size is None:
            self.path.unlink(missing_ok=True)
        else:
            os.truncate(self.path, self.original_size)


def append_events(path: Path, events: list[dict]) -> Appended:
    """Append `events`, first cutting off a torn last line left by an interrupted write.

    Only the log's last line is read, so an append costs the same however long the log is."""
    lines = "".join(
        json.dumps(event, sort_keys=True, ensure_ascii=False) + "\n" for event in events
    ).encode()
    try:
        out = open(path, "r+b")
    except FileNotFoundError:
        path.write_bytes(lines)
        return Appended(path, None)
    with out:
        size = out.seek(0, os.SEEK_END)
        start, last = _last_line(out, size)
        if last and not _is_json(last):
            out.truncate(start)  # a torn last line
            out.seek(start)
        elif last:
            out.write(b"\n")
        out.write(lines)
    return Appended(path, size)


def _last_line(out, size: int) -> tuple[int, bytes]:
    """Where the file's unterminated last line starts, and its bytes (b"" when it ends with a
    newline); read backwards from the end in growing steps."""
    step = 4096
    while True:
        begin = max(0, size - step)
        out.seek(begin)
        tail = out.read(size - begin)
        newline = tail.rfind(b"\n")
        if newline >= 0 or begin == 0:
            start = begin + newline + 1
            return start, tail[newline + 1 :]
        step *= 4


def _is_json(data: bytes) -> bool:
    try:
        json.loads(data)
        return True
    except ValueError:
        return False
