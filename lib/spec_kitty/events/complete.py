"""Turning bare records (`event_type`, `aggregate_id`, `payload`) into full envelopes."""

import re
from collections.abc import Callable

from spec_kitty.events import clock
from spec_kitty.events.envelope import (
    DATA_TIER,
    SCHEMA_VERSION,
    Event,
    new_event_id,
    split_fields,
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


def complete(bare: list[dict], identity: Callable[[], ProjectIdentity]) -> list[dict]:
    """Full envelopes for `bare` records, with one clock tick each, in order.

    `identity` is called only when a record lacks project_uuid, so reading the project config is
    paid only by those who need it.
    """
    if not bare:
        return []
    node, ticks = clock.tick(len(bare))
    events = []
    for record, lamport in zip(bare, ticks, strict=True):
        known, extra = split_fields(record)
        if not record.get("project_uuid"):
            project = identity()
            known.update(project_uuid=project.uuid, project_slug=project.slug)
        known.update(
            event_id=record.get("event_id") or new_event_id(),
            event_type=record.get("event_type"),
            aggregate_id=record.get("aggregate_id"),
            aggregate_type=record.get("aggregate_type")
            or aggregate_type_for(record.get("aggregate_id")),
            payload=record.get("payload"),
            timestamp=record.get("timestamp") or utc_now(),
            node_id=node,
            lamport_clock=lamport,
            schema_version=SCHEMA_VERSION,
            data_tier=DATA_TIER,
        )
        events.append(Event(**known, extra=extra).to_dict())
    return events
