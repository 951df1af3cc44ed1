"""The batch endpoint's work: read the request body, judge each event, store the accepted ones.

A body that cannot be read as a batch is refused whole (BatchError, nothing stored). Otherwise
every event gets exactly one result, in the order sent: success (stored now), duplicate (its
event_id was stored before) or rejected (with error and error_code).
"""

import json
import zlib
from collections import Counter

from spec_kitty.events.validate import SCHEMA_MISMATCH, UNKNOWN_LANE, event_problems
from spec_kitty.server.store import EventStore
from spec_kitty.server.users import User

SUCCESS, DUPLICATE, REJECTED = "success", "duplicate", "rejected"
FORBIDDEN = "forbidden"
NO_EVENTS = "No events provided"

DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024


class BatchError(Exception):
    """A request refused whole: `status` with {"error", "details"?}."""

    def __init__(self, status: int, error: str, details: list[dict] | None = None):
        super().__init__(error)
        self.status = status
        self.error = error
        self.details = details

    def body(self) -> dict:
        body = {"error": self.error}
        if self.details is not None:
            body["details"] = self.details
        return body


def read_batch(body: bytes, content_encoding: str | None, max_bytes: int) -> list[dict]:
    """The events of a request body (gzip or identity); BatchError when it is not a batch."""
    if len(body) > max_bytes:
        raise too_large(max_bytes)
    data = _decoded(body, (content_encoding or "identity").strip().lower(), max_bytes)
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BatchError(400, "Request body is not valid JSON", [{"error": str(exc)}]) from None
    if not isinstance(document, dict) or "events" not in document:
        raise BatchError(
            400,
            "Request body must be a JSON object with an events list",
            [{"error": f"got {type(document).__name__} without an `events` key"}],
        )
    events = document["events"]
    if not isinstance(events, list):
        raise BatchError(
            400, "events must be a list", [{"error": f"events is {type(events).__name__}"}]
        )
    if not events:
        raise BatchError(400, NO_EVENTS)
    malformed = [problem for i, e in enumerate(events) if (problem := _unaddressable(i, e))]
    if malformed:
        raise BatchError(400, f"{len(malformed)} malformed event(s); nothing was stored", malformed)
    return events


def _decoded(body: bytes, encoding: str, max_bytes: int) -> bytes:
    if encoding == "identity":
        return body
    if encoding != "gzip":
        raise BatchError(
            400,
            f"Unsupported Content-Encoding {encoding!r}",
            [{"error": "send the body gzip-compressed (Content-Encoding: gzip) or uncompressed"}],
        )
    inflater = zlib.decompressobj(wbits=31)
    try:
        data = inflater.decompress(body, max_bytes + 1)
    except zlib.error as exc:
        raise BatchError(400, "Request body is not valid gzip data", [{"error": str(exc)}]) from exc
    if len(data) > max_bytes:
        raise too_large(max_bytes)
    if not inflater.eof:
        raise BatchError(400, "Request body is not valid gzip data", [{"error": "truncated"}])
    return data


def too_large(max_bytes: int) -> BatchError:
    return BatchError(
        413,
        f"Request body exceeds {max_bytes} bytes (sent or uncompressed); send smaller batches",
    )


def _unaddressable(index: int, event: object) -> dict | None:
    """Why an item cannot be answered by event_id, or None when it can."""
    if not isinstance(event, dict):
        error = f"expected an object, got {_kind(event)}"
        return {"index": index, "event_id": None, "error": error}
    event_id = event.get("event_id")
    if not isinstance(event_id, str) or not event_id:
        return {"index": index, "event_id": None, "error": "event_id is missing or not a string"}
    return None


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__


def ingest(events: list[dict], user: User, store: EventStore) -> dict:
    """Judge and store `events` for `user`; the 200 body: {"results": [...], "summary": {...}}."""
    results: list[dict] = []
    accepted: list[tuple[int, dict]] = []
    for event in events:
        result = _judged(event, user)
        if result is None:
            accepted.append((len(results), event))
            result = {"event_id": event["event_id"], "status": SUCCESS}
        results.append(result)
    if accepted:
        stored_now = store.store_new([event for _, event in accepted], user.name)
        for (position, _), fresh in zip(accepted, stored_now, strict=True):
            if not fresh:
                results[position]["status"] = DUPLICATE
    counts = Counter(result["status"] for result in results)
    summary = {"total": len(results), **{s: counts[s] for s in (SUCCESS, DUPLICATE, REJECTED)}}
    return {"results": results, "summary": summary}


def _judged(event: dict, user: User) -> dict | None:
    """A rejected result for `event`, or None when it may be stored."""
    problems = event_problems(event)
    if problems:
        lane = any(p.code == UNKNOWN_LANE for p in problems)
        return {
            "event_id": event["event_id"],
            "status": REJECTED,
            "error": "; ".join(p.message() for p in problems),
            "error_code": UNKNOWN_LANE if lane else SCHEMA_MISMATCH,
            "details": [
                {"path": p.path, "found": p.found, "expected": p.expected} for p in problems
            ],
        }
    if not user.may_write(event["project_uuid"]):
        return {
            "event_id": event["event_id"],
            "status": REJECTED,
            "error": f"user {user.name!r} may not write to project {event['project_uuid']}",
            "error_code": FORBIDDEN,
        }
    return None
