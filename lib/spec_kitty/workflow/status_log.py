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
    from_lane: str,
    to_lane: str,
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
    lines = data.split(b"\n")
    events = []
    for lineno, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            event = json.loads(raw)
        except ValueError:
            if lineno == len(lines):
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
    """Append `events`, first cutting off a torn last line left by an interrupted write."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        data = None
    undo = Appended(path, None if data is None else len(data))
    keep = _intact_length(data) if data else 0
    lines = "".join(
        json.dumps(event, sort_keys=True, ensure_ascii=False) + "\n" for event in events
    )
    with open(path, "r+b" if data is not None else "wb") as out:
        out.seek(keep)
        out.truncate()
        if data and keep == len(data) and not data.endswith(b"\n"):
            out.write(b"\n")
        out.write(lines.encode())
    return undo


def _intact_length(data: bytes) -> int:
    """How much of `data` to keep: all but a torn last line (unterminated and not JSON)."""
    if data.endswith(b"\n"):
        return len(data)
    start = data.rfind(b"\n") + 1
    try:
        json.loads(data[start:])
        return len(data)
    except ValueError:
        return start


def lanes(events: list[dict]) -> dict[str, str]:
    """Each work package's lane after the last event that moved it (raw names, as logged)."""
    current: dict[str, str] = {}
    for event in events:
        current[event["wp_id"]] = event["to_lane"]
    return current
