"""Held events: queued events that can never be sent as they are (a lane this version does not
know), kept aside with their reason instead of failing every sync, and re-checked at the start
of each sync so that an upgrade which learned their lane sends them by itself."""

import json

from spec_kitty.events.collapse import collapse_event
from spec_kitty.events.lanes import UnknownLane
from spec_kitty.queue.store import HELD, Queue

NEXT_STEP = (
    "held events are not sent: if a newer spec-kitty wrote their lane, upgrade this toolkit "
    "(every `spec-kitty sync-now` re-checks them and sends those it can); otherwise drop them "
    "with `spec-kitty queue-drop --all-held` (or `--event-id ID`); "
    "`spec-kitty queue-requeue --all-held` puts them back to be checked again"
)


def release_sendable(queue: Queue) -> list[str]:
    """Move every held event that this version can send back to pending; returns their ids."""
    sendable = [row[0] for row in queue.held() if sendable_now(json.loads(row[1]))]
    return queue.requeue((HELD,), sendable) if sendable else []


def sendable_now(event: dict) -> bool:
    """Whether collapse-lanes would pass the event on now."""
    try:
        collapse_event(event)
    except UnknownLane:
        return False
    return True


def describe_reasons(reasons: dict[str, int]) -> str:
    """ "unknown lane 'x' in to_lane" for one reason; "a: 2, b: 1" for several."""
    if len(reasons) == 1:
        return next(iter(reasons))
    return ", ".join(f"{reason}: {n}" for reason, n in reasons.items())


def held_events(queue: Queue, tally) -> list[dict]:
    """Every held event, oldest first: why it was held, whether this version can send it now,
    and its problems as it would be sent (counted in `tally`, an events.validate.Tally)."""
    return [_held_event(row, tally) for row in queue.held()]


def _held_event(row: tuple, tally) -> dict:
    event_id, text, reason, since = row
    event = json.loads(text)
    return {
        "event_id": event_id,
        "event_type": event.get("event_type"),
        "aggregate_id": event.get("aggregate_id"),
        "held_at": since,
        "reason": reason,
        "sendable": sendable_now(event),
        "problems": [problem.to_dict() for problem in tally.check(event)],
    }


def held_lines(held: list[dict]) -> list[str]:
    """`held_events` as a person reads them: each with what to do, then the next step."""
    if not held:
        return []
    lines = [f"held: {len(held)} event(s), not sent until their problem is fixed"]
    for item in held:
        lines.append(
            f"  {item['event_id']} ({item['event_type']} {item['aggregate_id']}), held "
            f"{item['held_at']}: {item['reason']}"
        )
        if item["sendable"]:
            lines.append("    this version can send it: the next `spec-kitty sync-now` does")
            continue
        lines += [f"    {problem['message']}" for problem in item["problems"]]
        lines.append(
            "    what to do: upgrade this toolkit if a newer spec-kitty wrote it, or drop it: "
            f"`spec-kitty queue-drop --event-id {item['event_id']}`"
        )
    lines.append(f"  next: {NEXT_STEP}")
    return lines
