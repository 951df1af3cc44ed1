"""Rewriting the lanes of status events to the 4-lane sync view, just before sending."""

from spec_kitty.events.lanes import UnknownLane, accepted_lanes, collapse_lane, parse_lane
from spec_kitty.records import UNKNOWN_LANE, unsent

LANE_FIELDS = ("from_lane", "to_lane")


def collapse_event(event: dict) -> dict:
    """`event` with the lanes of a WPStatusChanged payload collapsed; other events unchanged.

    Raises UnknownLane (naming the field) rather than guessing; the event itself is not modified.
    """
    if not _is_status_change(event):
        return event
    payload, unknown = collapse_payload(event["payload"])
    if unknown:
        raise unknown[0]
    return {**event, "payload": payload}


def check_lanes(event: dict) -> None:
    """Raise UnknownLane (naming the field) when a status event has a lane that cannot be sent."""
    if _is_status_change(event):
        payload = event["payload"]
        for name in _lane_fields(payload):
            parse_lane(payload[name], name)


def unsent_record(event: dict, exc: UnknownLane) -> dict:
    """What collapse-lanes reports (on stderr) for an event whose lane it cannot send."""
    return unsent(event, exc.brief, f"one of {accepted_lanes()}", UNKNOWN_LANE)


def collapse_payload(payload: dict) -> tuple[dict, list[UnknownLane]]:
    """A copy of a status payload with its lanes collapsed, and every lane that would not."""
    collapsed, unknown = dict(payload), []
    for name in _lane_fields(payload):
        try:
            collapsed[name] = collapse_lane(collapsed[name], name)
        except UnknownLane as exc:
            unknown.append(exc)
    return collapsed, unknown


def _lane_fields(payload: dict) -> list[str]:
    """The lane fields of `payload` that hold a lane: from_lane is absent or null on a work
    package's first transition."""
    return [
        name
        for name in LANE_FIELDS
        if name in payload and not (name == "from_lane" and payload[name] is None)
    ]


def _is_status_change(event: dict) -> bool:
    return event.get("event_type") == "WPStatusChanged" and isinstance(event.get("payload"), dict)
