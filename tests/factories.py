"""Small builders for events as the CLI queues them."""

import itertools
from datetime import UTC, datetime, timedelta

from spec_kitty.events.envelope import new_event_id

PROJECT_UUID = "550e8400-e29b-41d4-a716-446655440000"
_clock = itertools.count(1)
_FIRST = datetime(2026, 1, 1, tzinfo=UTC)


def status_event(wp="WP01", from_lane="planned", to_lane="in_progress", at=None, **overrides):
    """A full WPStatusChanged envelope with canonical lanes."""
    event = {
        "event_id": new_event_id(),
        "event_type": "WPStatusChanged",
        "aggregate_id": wp,
        "aggregate_type": "WorkPackage",
        "payload": {
            "wp_id": wp,
            "from_lane": from_lane,
            "to_lane": to_lane,
            "actor": "tester",
            "feature_slug": "001-demo",
        },
        "timestamp": (at or datetime.now(UTC)).isoformat(),
        "node_id": "testnode",
        "lamport_clock": next(_clock),
        "causation_id": None,
        "correlation_id": None,
        "project_uuid": PROJECT_UUID,
        "project_slug": "demo",
        "schema_version": "2.0.0",
        "data_tier": 0,
    }
    event.update(overrides)
    return event


def envelope(i: int, to_lane: str = "in_progress", project: str = PROJECT_UUID) -> dict:
    """A status_event whose id, time and clock follow `i`: unique, and ordered as `i` is."""
    return status_event(
        to_lane=to_lane,
        at=_FIRST + timedelta(seconds=i),
        event_id=f"01JAAAAAAA{i:016d}",
        lamport_clock=i + 1,
        project_uuid=project,
    )


def minutes_ago(n: float) -> datetime:
    return datetime.now(UTC) - timedelta(minutes=n)
