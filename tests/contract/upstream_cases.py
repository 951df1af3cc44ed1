"""spec-kitty-events' conformance fixtures, as cases for this toolkit's validator and server.

spec-kitty-cli 2.1.3 pins spec-kitty-events 2.3.1, and the SaaS our users sync to is built on it.
Its wheel ships valid and invalid example events and its lane table in its `conformance`
package; they are loaded from the installed package (a test dependency, pinned in
pyproject.toml), never copied.

Compared: the fixtures of the library's types that our contract has too, the envelope (`Event`)
and `WPStatusChanged`, and each row of its lane table (`LaneMapping`). Its Gate*, Mission*,
PhaseEntered and ReviewRollback payloads are not event types of our contract.
"""

from dataclasses import dataclass
from functools import cache

from spec_kitty.events.envelope import new_event_id
from spec_kitty_events.conformance import load_fixtures

ENVELOPE, STATUS = "Event", "WPStatusChanged"

# The library's envelope fixtures name no real type: their event_type is this placeholder.
_PLACEHOLDER_TYPE = "TestEvent"
# What a WPStatusChanged payload of our contract needs, whichever rules apply.
_STATUS_PAYLOAD = {"wp_id": "WP01", "from_lane": "planned", "to_lane": "doing"}


@dataclass(frozen=True)
class EventCase:
    id: str
    event_type: str  # the library's: Event or WPStatusChanged
    fixture: dict  # as the library ships it
    event: dict  # as our pipeline receives it: as_our_event(fixture)
    library_valid: bool


@dataclass(frozen=True)
class LaneCase:
    id: str  # the fixture's id and the lane: "lane-mapping-all-canonical[claimed]"
    canonical: str
    sync: str | None  # the library's sync lane; None when it refuses the lane


def event_cases() -> list[EventCase]:
    return [
        EventCase(
            fixture.id,
            fixture.event_type,
            fixture.payload,
            as_our_event(fixture.event_type, fixture.payload),
            fixture.expected_valid,
        )
        for category in ("events", "edge_cases")
        for fixture in load_fixtures(category)
        if fixture.event_type in (ENVELOPE, STATUS)
    ]


def lane_cases() -> list[LaneCase]:
    return [
        LaneCase(f"{fixture.id}[{row['canonical']}]", row["canonical"], row.get("expected_sync"))
        for fixture in load_fixtures("lane_mapping")
        for row in fixture.payload
    ]


def as_our_event(event_type: str, fixture: dict) -> dict:
    """The library's fixture as an event of our contract, changed only where the models differ.

    - An envelope fixture keeps every field it has. Its placeholder event_type `TestEvent`
      becomes WPStatusChanged (any other value, such as the empty one a fixture tests, is kept);
      the aggregate_type our envelope requires and the library's lacks is added; the payload,
      opaque to the library (and {} when absent), gets beside its own fields the three a
      WPStatusChanged payload needs.
    - A WPStatusChanged fixture is a payload: it goes, as it is, into the library's own valid
      envelope fixture (adapted as above) with an event_id of its own.
    """
    if event_type == STATUS:
        wp_id = fixture.get("wp_id")
        return {
            **_valid_library_envelope(),
            "event_id": new_event_id(),
            "aggregate_id": wp_id if isinstance(wp_id, str) and wp_id else "WP01",
            "payload": fixture,
        }
    event = {"aggregate_type": "WorkPackage", **fixture}
    if event.get("event_type") == _PLACEHOLDER_TYPE:
        event["event_type"] = STATUS
    payload = fixture.get("payload", {})
    event["payload"] = {**_STATUS_PAYLOAD, **payload} if isinstance(payload, dict) else payload
    return event


@cache
def library_envelope() -> dict:
    """The library's own valid envelope fixture (events/valid/event.json), as it ships."""
    (fixture,) = [f for f in load_fixtures("events") if f.id == "event-valid"]
    return fixture.payload


def _valid_library_envelope() -> dict:
    return as_our_event(ENVELOPE, library_envelope())
