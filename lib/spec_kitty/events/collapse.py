"""Rewriting the lanes of status events to the 4-lane sync view, just before sending."""

from spec_kitty.events.lanes import UnknownLane, collapse_lane

LANE_FIELDS = ("from_lane", "to_lane")


def collapse_event(event: dict) -> dict:
    """`event` with the lanes of a WPStatusChanged payload collapsed; other events unchanged.

    Raises UnknownLane (naming the field) rather than guessing; the event itself is not modified.
    """
    if event.get("event_type") != "WPStatusChanged" or not isinstance(event.get("payload"), dict):
        return event
    payload, unknown = collapse_payload(event["payload"])
    if unknown:
        raise unknown[0]
    return {**event, "payload": payload}


def collapse_payload(payload: dict) -> tuple[dict, list[UnknownLane]]:
    """A copy of a status payload with its lanes collapsed, and every lane that would not."""
    collapsed, unknown = dict(payload), []
    for name in LANE_FIELDS:
        if name in collapsed:
            try:
                collapsed[name] = collapse_lane(collapsed[name], name)
            except UnknownLane as exc:
                unknown.append(exc)
    return collapsed, unknown
