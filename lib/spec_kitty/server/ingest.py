"""The batch endpoint's work: read the request body, judge each event, store the accepted ones.

A body that cannot be read as a batch is refused whole (BatchError, nothing stored). Otherwise
every event gets exactly one result, in the order sent: success (stored now), duplicate (its
project holds this event_id with the same content) or rejected (with error and error_code; a
`conflict` when its project holds the id with other content).
"""

import zlib

from werkzeug.wsgi import get_content_length, get_input_stream

from spec_kitty.events.validate import SCHEMA_MISMATCH, UNKNOWN_LANE, event_problems
from spec_kitty.records import ResultStatus, result
from spec_kitty.result_tally import ResultTally
from spec_kitty.server.settings import ServerSettings
from spec_kitty.server.store import CONFLICT, DUPLICATE, EventStore
from spec_kitty.server.users import User
from spec_kitty.strict_json import (
    JsonLimits,
    JsonRefused,
    lone_surrogate_path,
    may_hold_lone_surrogates,
    parse,
    surrogate_problem,
    utf8_text,
)

FORBIDDEN = "forbidden"
NO_EVENTS = "No events provided"


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


def read_body(environ: dict, max_bytes: int) -> bytes:
    """The request body, read no further than `max_bytes` + 1 whether it came with a
    Content-Length or chunked; 413 when it is longer."""
    length = get_content_length(environ)
    if length is not None and length > max_bytes:
        raise too_large(max_bytes)
    data = get_input_stream(environ).read(max_bytes + 1)
    if len(data) > max_bytes:
        raise too_large(max_bytes)
    return data


def read_batch(body: bytes, content_encoding: str | None, settings: ServerSettings) -> list[dict]:
    """The events of a request body (gzip or identity); BatchError when it is not a batch."""
    max_bytes = settings.max_body_bytes
    if len(body) > max_bytes:
        raise too_large(max_bytes)
    data = _decoded(body, (content_encoding or "identity").strip().lower(), max_bytes)
    limits = JsonLimits(
        settings.max_json_depth, settings.max_number_length, settings.max_batch_values
    )
    try:
        text = utf8_text(data)
        document = parse(text, limits)
    except JsonRefused as exc:
        raise refused_json(exc, settings) from None
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
    if len(events) > settings.max_events:
        raise BatchError(
            413,
            f"Batch holds {len(events)} events; this server takes at most {settings.max_events} "
            "per request",
            [{"error": f"send at most {settings.max_events} events per request"}],
        )
    surrogates = may_hold_lone_surrogates(text)
    if surrogates and (where := lone_surrogate_path({**document, "events": []})):
        raise refused_json(JsonRefused("is not valid JSON", surrogate_problem(where)), settings)
    malformed = [
        problem for i, e in enumerate(events) if (problem := _unaddressable(i, e, surrogates))
    ]
    if malformed:
        raise BatchError(400, f"{len(malformed)} malformed event(s); nothing was stored", malformed)
    return events


def refused_json(refused: JsonRefused, settings: ServerSettings) -> BatchError:
    """The answer to a body `strict_json` refused: 413 when it is about size, else 400."""
    if refused.too_large:
        error = (
            f"Request body {refused.error}; this server takes at most {settings.max_events} "
            "events per request"
        )
        return BatchError(413, error, [{"error": refused.detail}])
    return BatchError(400, f"Request body {refused.error}", [{"error": refused.detail}])


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
        raise _not_gzip(str(exc)) from None
    if len(data) > max_bytes:
        raise too_large(max_bytes)
    if not inflater.eof:
        raise _not_gzip("truncated")
    if inflater.unused_data:
        # A second member, or anything else: the body must be exactly one gzip member.
        raise _not_gzip(
            f"{len(inflater.unused_data)} byte(s) after the end of the gzip member; "
            "send exactly one gzip member"
        )
    return data


def _not_gzip(reason: str) -> BatchError:
    return BatchError(400, "Request body is not valid gzip data", [{"error": reason}])


def too_large(max_bytes: int) -> BatchError:
    return BatchError(
        413,
        f"Request body exceeds {max_bytes} bytes (sent or uncompressed); send smaller batches",
    )


def _unaddressable(index: int, event: object, surrogates: bool) -> dict | None:
    """Why an item cannot be answered by event_id or stored at all, or None when it can."""
    if not isinstance(event, dict):
        error = f"expected an object, got {_kind(event)}"
        return {"index": index, "event_id": None, "error": error}
    event_id = event.get("event_id")
    if not isinstance(event_id, str) or not event_id:
        return {"index": index, "event_id": None, "error": "event_id is missing or not a string"}
    where = lone_surrogate_path(event) if surrogates else None
    if where:
        known = None if where == "event_id" else event_id
        return {"index": index, "event_id": known, "error": surrogate_problem(where)}
    return None


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__


def ingest(events: list[dict], user: User, store: EventStore) -> dict:
    """Judge and store `events` for `user`; the 200 body: {"results": [...], "summary": {...}}."""
    results: list[dict] = []
    accepted: list[tuple[int, dict]] = []
    for event in events:
        judged = _judged(event, user)
        if judged is None:
            accepted.append((len(results), event))
            judged = result(event["event_id"], ResultStatus.SUCCESS)
        results.append(judged)
    if accepted:
        outcomes = store.store_new([event for _, event in accepted], user.name)
        for (position, event), outcome in zip(accepted, outcomes, strict=True):
            if outcome == DUPLICATE:
                results[position]["status"] = ResultStatus.DUPLICATE
            elif outcome == CONFLICT:
                results[position] = _conflict(event)
    tally = ResultTally()
    for judged in results:
        tally.count(judged["status"])
    return {"results": results, "summary": {"total": len(results), **tally.as_dict()}}


def _conflict(event: dict) -> dict:
    return {
        "event_id": event["event_id"],
        "status": ResultStatus.REJECTED,
        "error": (
            f"project {event['project_uuid']} already holds another event with event_id "
            f"{event['event_id']}; an event id names one event for ever, so this one was not "
            "stored"
        ),
        "error_code": CONFLICT,
    }


def _judged(event: dict, user: User) -> dict | None:
    """A rejected result for `event`, or None when it may be stored."""
    problems = event_problems(event)
    if problems:
        lane = any(p.code == UNKNOWN_LANE for p in problems)
        return {
            "event_id": event["event_id"],
            "status": ResultStatus.REJECTED,
            "error": "; ".join(p.message() for p in problems),
            "error_code": UNKNOWN_LANE if lane else SCHEMA_MISMATCH,
            "details": [
                {"path": p.path, "found": p.found, "expected": p.expected} for p in problems
            ],
        }
    if not user.may_write(event["project_uuid"]):
        return {
            "event_id": event["event_id"],
            "status": ResultStatus.REJECTED,
            "error": f"user {user.name!r} may not write to project {event['project_uuid']}",
            "error_code": FORBIDDEN,
        }
    return None
