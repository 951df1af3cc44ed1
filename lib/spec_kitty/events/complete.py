"""Turning bare records (`event_type`, `aggregate_id`, `payload`) into full envelopes."""

import re
from collections.abc import Callable

from spec_kitty.events import clock
from spec_kitty.events.envelope import (
    DATA_TIER,
    FIELD_NAMES,
    OMIT_WHEN_NONE,
    SCHEMA_VERSION,
    new_event_ids,
    utc_now,
)
from spec_kitty.project import ProjectIdentity

_WP_ID = re.compile(r"WP\d{2}")


def is_bare(record: dict) -> bool:
    """A record without a Lamport clock asks for a new event; one with it is a full envelope.

    A bare record may carry its own event_id (a status-log entry keeps its id on the way to the
    queue, so re-enqueueing it is recognised as a duplicate).
    """
    return "lamport_clock" not in record


def aggregate_type_for(aggregate_id: object) -> str:
    return (
        "WorkPackage"
        if isinstance(aggregate_id, str) and _WP_ID.fullmatch(aggregate_id)
        else "Feature"
    )


def complete(
    bare: list[dict],
    identity: Callable[[], ProjectIdentity],
    tick: Callable[[int], tuple[str, range]] = clock.tick,
) -> list[dict]:
    """Full envelopes for `bare` records, in order: one clock value and one new id each.

    What the records share is taken once for them all: the clock values (one `tick`, which
    reserves them under the clock's lock), the time, and the project identity (`identity` is
    called only when a record lacks project_uuid, so reading the project config is paid only by
    those who need it). Each envelope's keys are in the contract's order, the record's own
    fields beyond the envelope after them.
    """
    if not bare:
        return []
    node, ticks = tick(len(bare))
    now = utc_now()
    ids = iter(new_event_ids(len(bare)))
    project = None
    events = []
    for record, lamport in zip(bare, ticks, strict=True):
        event = _UNSET.copy()
        event.update(record)
        if not record.get("project_uuid"):
            project = project or identity()
            event["project_uuid"], event["project_slug"] = project.uuid, project.slug
        event["event_id"] = record.get("event_id") or next(ids)
        if not record.get("aggregate_type"):
            event["aggregate_type"] = aggregate_type_for(record.get("aggregate_id"))
        event["timestamp"] = record.get("timestamp") or now
        event["node_id"], event["lamport_clock"] = node, lamport
        event["schema_version"], event["data_tier"] = SCHEMA_VERSION, DATA_TIER
        for name in OMIT_WHEN_NONE:
            if event[name] is None:
                del event[name]
        events.append(event)
    return events


# Every envelope field, in order, unset.
_UNSET = dict.fromkeys(FIELD_NAMES)
