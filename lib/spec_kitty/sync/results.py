"""Turning the server's answer to one chunk into one result line per event it settled.

Result lines: {event_id, status: success | duplicate | rejected}, and for a rejection also error,
error_code and details (when the server gave them), category, event_type and aggregate_id. An
event the answer does not settle (left out, unknown status) gets no line at all: it stays queued
and is sent again, and a warning says so. Ids the chunk did not contain are reported and
otherwise ignored.
"""

from dataclasses import dataclass, field

from spec_kitty.jsonl import MalformedLine, dumps
from spec_kitty.records import EXPECTED_STATUSES, ResultStatus, rejected_result, result
from spec_kitty.redact import visible
from spec_kitty.sync.categories import CATEGORIES, categorize
from spec_kitty.sync.chunks import Outgoing


@dataclass
class Settlement:
    results: list[dict] = field(default_factory=list)
    unsettled: list[Outgoing] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # A broken input line found in the chunk: sending stops there once these results are out.
    malformed: MalformedLine | None = None

    def extend(self, other: "Settlement") -> None:
        self.results += other.results
        self.unsettled += other.unsettled
        self.warnings += other.warnings
        self.malformed = self.malformed or other.malformed


def rejection(
    event: Outgoing,
    error: object,
    code: object = None,
    category: object = None,
    details: object = None,
) -> dict:
    message = _text(error, limit=500) or "rejected"
    event_type, aggregate_id, carries_lane = event.described()
    return rejected_result(
        event.event_id,
        message,
        visible(code, 60) if isinstance(code, str) and code else None,
        category
        if isinstance(category, str) and category
        else categorize(code, message, carries_lane),
        event_type,
        aggregate_id,
        details,
    )


def settle_results(chunk: list[Outgoing], items: list) -> Settlement:
    """Settle `chunk` from a `results[]` list; keeps chunk order, the first result per id wins."""
    by_id = {event.event_id: event for event in chunk}
    answered: dict[str, dict] = {}
    settlement = Settlement()
    unknown_ids: list = []
    odd_statuses: dict[str, list[str]] = {}
    odd_ids: set[str] = set()
    for item in items:
        event_id = item.get("event_id") if isinstance(item, dict) else None
        if not isinstance(event_id, str) or event_id not in by_id:
            unknown_ids.append(event_id)
            continue
        if event_id in answered:
            continue
        status = item.get("status")
        if status in (ResultStatus.SUCCESS, ResultStatus.DUPLICATE):
            answered[event_id] = result(event_id, ResultStatus(status))
        elif status == ResultStatus.REJECTED:
            answered[event_id] = rejection(
                by_id[event_id],
                item.get("error"),
                item.get("error_code") or item.get("code"),
                _known_category(item.get("category")),
                item.get("details"),
            )
        else:
            odd_statuses.setdefault(repr(status), []).append(event_id)
            odd_ids.add(event_id)
    for event in chunk:
        if event.event_id in answered:
            settlement.results.append(answered.pop(event.event_id))
        else:
            settlement.unsettled.append(event)
    if unknown_ids:
        settlement.warnings.append(
            f"the server answered for {len(unknown_ids)} event id(s) that were not sent "
            f"(first: {visible(repr(unknown_ids[0]), 60)}); ignored"
        )
    for status, ids in odd_statuses.items():
        settlement.warnings.append(
            f"the server answered status {visible(status, 60)} for {len(ids)} event(s) "
            f"(first: {ids[0]}); "
            f"expected {EXPECTED_STATUSES}, so they stay queued"
        )
    missing = [e.event_id for e in settlement.unsettled if e.event_id not in odd_ids]
    if missing:
        settlement.warnings.append(
            f"the server gave no result for {len(missing)} event(s) (first: {missing[0]}); "
            "they stay queued and will be sent again"
        )
    return settlement


def settle_refusal(chunk: list[Outgoing], body: object) -> tuple[Settlement, str]:
    """Settle the events a 400 answer names a reason for; the rest stay unsettled.

    Returns the settlement and the refusal as one line (error and details) for the person.
    """
    error = body.get("error") if isinstance(body, dict) else None
    details = body.get("details") if isinstance(body, dict) else None
    code = (body.get("error_code") or body.get("code")) if isinstance(body, dict) else None
    summary = _text(error) or "the server refused the batch"
    if details is not None:
        summary += f"; details: {_text(details, limit=500)}"
    if isinstance(body, dict) and isinstance(body.get("results"), list):
        settlement = settle_results(chunk, body["results"])
        # Whatever these results leave out is sent again at once, so it is no news yet.
        settlement.warnings.clear()
        return settlement, summary
    reasons = _reasons_by_event(chunk, details)
    settlement = Settlement()
    for event in chunk:
        reason = reasons.get(event.event_id)
        if reason is None:
            settlement.unsettled.append(event)
        else:
            settlement.results.append(
                rejection(
                    event,
                    reason["error"],
                    reason.get("code") or code,
                    details=reason.get("details"),
                )
            )
    return settlement, summary


def general_rejection(chunk: list[Outgoing], body: object, category: str | None = None) -> list:
    """Every event of `chunk` rejected for the same reason the whole request was."""
    error = body.get("error") if isinstance(body, dict) else None
    details = body.get("details") if isinstance(body, dict) else None
    code = (body.get("error_code") or body.get("code")) if isinstance(body, dict) else None
    message = _text(error) or "the server refused the batch"
    if details is not None:
        message += f": {_text(details, limit=300)}"
    return [rejection(event, message, code, category) for event in chunk]


def _reasons_by_event(chunk: list[Outgoing], details: object) -> dict[str, dict]:
    """Per-event reasons inside `details`, in the shapes servers use: a list of
    {event_id | index, error | message | reason, code}, or a mapping from event id or index."""
    ids = [event.event_id for event in chunk]
    known = set(ids)
    found: dict[str, dict] = {}

    def attach(key: object, reason: object) -> None:
        event_id = None
        if isinstance(key, str) and key in known:
            event_id = key
        elif isinstance(key, int) and not isinstance(key, bool) and 0 <= key < len(ids):
            event_id = ids[key]
        elif isinstance(key, str) and key.isdigit() and int(key) < len(ids):
            event_id = ids[int(key)]
        if event_id and event_id not in found:
            found[event_id] = _reason(reason)

    if isinstance(details, list):
        for item in details:
            if isinstance(item, dict):
                event_id = item.get("event_id")
                known_id = isinstance(event_id, str) and event_id in known
                attach(event_id if known_id else item.get("index"), item)
    elif isinstance(details, dict):
        nested = details.get("events")
        if isinstance(nested, list | dict):
            return _reasons_by_event(chunk, nested)
        for key, reason in details.items():
            attach(key, reason)
    return found


def _reason(reason: object) -> dict:
    if isinstance(reason, dict):
        text = next(
            (reason[k] for k in ("error", "message", "reason", "detail") if reason.get(k)), None
        )
        rest = {k: v for k, v in reason.items() if k not in ("event_id", "index")}
        return {
            "error": _text(text) if text else _text(rest),
            "code": reason.get("code") or reason.get("error_code"),
            "details": reason.get("details"),
        }
    return {"error": _text(reason)}


def _known_category(value: object) -> str | None:
    return value if value in CATEGORIES else None


def _text(value: object, limit: int = 300) -> str:
    """Server text as it may be shown: one line, control characters visible, cut to `limit`."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        text = "; ".join(value)
    else:
        text = dumps(value)
    return visible(text, limit)
