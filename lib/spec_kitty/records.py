"""Every record that crosses a pipe between the scripts, and the words in them: one constructor
and one reader each, so that a stage that writes a record and the stage that reads it agree.

- A result line (batch-send -> queue-ack): the server's verdict on one event, a `ResultStatus`.
- An unsent line (collapse-lanes' stderr -> queue-ack, sync-now): an event that cannot be sent.
- queue-ack's lines (-> sync-now): each rejection with its `AckOutcome`, then a summary line.
- An enqueue line (enqueue's stdout): an `EnqueueStatus` per record offered.

The records are plain dicts in the key order of the documented JSON lines, so they are written
as they are; the enums are strings, so they serialize as their values.
"""

import re
from enum import StrEnum
from typing import TYPE_CHECKING

from spec_kitty.jsonl import MalformedLine, dumps, parse_line

if TYPE_CHECKING:
    from spec_kitty.result_tally import ResultTally


class ResultStatus(StrEnum):
    """The server's verdict on one event, in its `results[]` and in batch-send's lines."""

    SUCCESS = "success"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


# The statuses as a person reads them where a line names another one.
EXPECTED_STATUSES = f"{', '.join(list(ResultStatus)[:-1])} or {list(ResultStatus)[-1]}"


class AckOutcome(StrEnum):
    """What applying one line did to the queue. A rejection's outcome is what its event became:
    still pending (`rejected`), dead-lettered, left as it was for a fault of the server's
    (`kept`), or held (an unsent line)."""

    REMOVED = "removed"
    REJECTED = "rejected"
    DEAD_LETTERED = "dead_lettered"
    KEPT = "kept"
    HELD = "held"
    UNKNOWN_EVENT = "unknown_event"
    IGNORED = "ignored"


class EnqueueStatus(StrEnum):
    QUEUED = "queued"
    DUPLICATE = "duplicate"
    INVALID = "invalid"


# An unsent line's status: the word enqueue uses for a record it cannot queue.
INVALID = EnqueueStatus.INVALID
UNKNOWN_LANE = "unknown_lane"

# An id that needs no escaping in JSON can be written into a line as it is: printable ASCII but
# `"` and `\`. (Written as the characters allowed: the class of those refused spans all of
# Unicode and took milliseconds to compile, in every command.)
_PLAIN = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]*")


# -- result lines ------------------------------------------------------------------------------


def result(event_id: str, status: ResultStatus) -> dict:
    """A settled event's line: {event_id, status}."""
    return {"event_id": event_id, "status": status}


def rejected_result(
    event_id: object,
    error: str,
    error_code: str | None = None,
    category: str | None = None,
    event_type: object = None,
    aggregate_id: object = None,
    details: object = None,
) -> dict:
    """A rejection's line: {event_id, status, error, error_code?, category, event_type,
    aggregate_id, details?}."""
    line = {"event_id": event_id, "status": ResultStatus.REJECTED, "error": error}
    if error_code:
        line["error_code"] = error_code
    line["category"], line["event_type"], line["aggregate_id"] = category, event_type, aggregate_id
    if details is not None:
        line["details"] = details
    return line


def result_text(line: dict) -> str:
    """One result line; the common success and duplicate lines are written without json."""
    if len(line) == 2 and _PLAIN.fullmatch(line["event_id"]):
        return f'{{"event_id":"{line["event_id"]}","status":"{line["status"]}"}}\n'
    return dumps(line) + "\n"


def read_result(raw: bytes, lineno: int) -> dict:
    """A line queue-ack reads (a result or an unsent line); MalformedLine naming what is wrong.
    Its status is left as given: an unknown one is counted and reported by the caller."""
    line = parse_line(raw, lineno)
    if not isinstance(line.get("event_id"), str):
        raise MalformedLine(lineno, "a result needs an event_id")
    for name in ("error", "error_code", "category"):
        if line.get(name) is not None and not isinstance(line[name], str):
            raise MalformedLine(lineno, f"{name} must be a string, got {type(line[name]).__name__}")
    return line


# -- unsent lines ------------------------------------------------------------------------------


def unsent(event: dict, reason: str, expected: str, category: str = UNKNOWN_LANE) -> dict:
    """collapse-lanes' line for an event it cannot send: which event, the category, the problem
    in brief (the reason a held event keeps) and what was expected."""
    return {
        **{key: event.get(key) for key in ("event_id", "event_type", "aggregate_id")},
        "status": INVALID,
        "category": category,
        "reason": reason,
        "expected": expected,
    }


def is_unsent(line: dict) -> bool:
    return line.get("status") == INVALID


def unsent_failure(line: dict, outcome: AckOutcome) -> dict:
    """An unsent line as a failure of a sync, in the shape of queue-ack's lines: its reason and
    what was expected become the error."""
    failure = {key: value for key, value in line.items() if key not in ("reason", "expected")}
    reason, expected = line.get("reason"), line.get("expected")
    failure["error"] = f"{reason}: expected {expected}" if expected else reason
    failure["outcome"] = outcome
    return failure


# -- queue-ack's lines -------------------------------------------------------------------------


def applied(line: dict, outcome: AckOutcome, retry_count: int | None = None) -> dict:
    """A rejected or held line as queue-ack writes it: {...the line, outcome, retry_count}."""
    return {**line, "outcome": outcome, "retry_count": retry_count}


def summary_line(tally: "ResultTally") -> dict:
    """queue-ack's last line: {"summary": {success, duplicate, rejected, ...}}."""
    return {"summary": tally.as_dict()}


def read_applied(line: dict) -> "ResultTally | dict":
    """One of queue-ack's lines: the tally of its summary line, or the rejection."""
    counts = line.get("summary")
    if isinstance(counts, dict):
        # Here, not at the top: dataclasses costs the scripts that only queue events 10 ms to load.
        from spec_kitty.result_tally import ResultTally

        return ResultTally(**{status: counts.get(status, 0) for status in ResultStatus})
    return line


# -- enqueue lines -----------------------------------------------------------------------------


def enqueued(event_id: object, status: EnqueueStatus, reason: str | None = None) -> dict:
    """enqueue's line for one record: {event_id, status, reason?}."""
    line = {"event_id": event_id, "status": status}
    if reason is not None:
        line["reason"] = reason
    return line


def not_completed(reason: str) -> dict:
    """enqueue's line for a bare record it could not complete: it has no event id yet."""
    return {"status": EnqueueStatus.INVALID, "reason": reason}


def enqueued_text(lines: list[dict]) -> str:
    """enqueue's lines. A queued or duplicate event's id passed the envelope check (a ULID or a
    UUID: nothing to escape), so those lines, nearly all of them, skip the encoder."""
    return "".join(
        f'{{"event_id":"{line["event_id"]}","status":"{line["status"]}"}}\n'
        if line["status"] in (EnqueueStatus.QUEUED, EnqueueStatus.DUPLICATE)
        else dumps(line) + "\n"
        for line in lines
    )
