"""Rewriting the lanes of status events to the 4-lane sync view, just before sending."""

from spec_kitty.events.lanes import collapse_lane

LANE_FIELDS = ("from_lane", "to_lane")


def collapse_event(event: dict) -> dict:
    """`event` with the lanes of a WPStatusChanged payload collapsed; other events unchanged.

    Raises UnknownLane (naming the field) rather than guessing; the event itself is not modified.
    """
    if event.get("event_type") != "WPStatusChanged" or not isinstance(event.get("payload"), dict):
        return event
    payload = dict(event["payload"])
    for name in LANE_FIELDS:
        if name in payload:
            payload[name] = collapse_lane(payload[name], name)
    return {**event, "payload": payload}
