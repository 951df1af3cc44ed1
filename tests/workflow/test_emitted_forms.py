"""What our own workflow queues keeps the strict forms, though the contract now accepts more:
ULID event ids, NNN-slug feature slugs, a from_lane on every status change, a reason with every
forced move."""

import re

from spec_kitty.events.lanes import Lane
from spec_kitty.events.validate import queued_event_problems
from spec_kitty.workflow.execution import move_task
from spec_kitty.workflow.features import load_feature
from workflow_support import complete, queued

ULID = re.compile(r"[0-9A-HJKMNP-TV-Z]{26}")
NNN_SLUG = re.compile(r"[0-9]{3}-[a-z0-9]+(-[a-z0-9]+)*")


def test_every_event_the_workflow_queues_has_the_strict_forms(planned):
    root, slug = planned
    move_task(root, load_feature(root, slug), "WP03", "blocked", "me", note="waiting on WP02")
    move_task(root, load_feature(root, slug), "WP03", "planned", "me")
    for wp in ("WP01", "WP02", "WP03"):
        complete(root, slug, wp)

    events = queued()
    assert {e["event_type"] for e in events} == {
        "FeatureCreated",
        "FeatureArtifactCreated",
        "WPCreated",
        "WPAssigned",
        "WPStatusChanged",
        "HistoryAdded",
        "DependencyResolved",
        "FeatureCompleted",
    }
    assert NNN_SLUG.fullmatch(slug)
    canonical = {lane.value for lane in Lane}
    for event in events:
        assert ULID.fullmatch(event["event_id"]), event
        assert event["payload"]["feature_slug"] == slug, event
        assert queued_event_problems(event) == [], event
        if event["event_type"] == "WPStatusChanged":
            assert event["payload"]["from_lane"] in canonical, event


def test_a_forced_move_is_queued_with_its_from_lane_and_passes_the_force_rule(planned):
    root, slug = planned
    move_task(
        root,
        load_feature(root, slug),
        "WP02",
        "for_review",
        "me",
        force=True,
        reason="reviewed on paper",
    )
    (event,) = queued("WPStatusChanged")
    assert ULID.fullmatch(event["event_id"])
    assert (event["payload"]["from_lane"], event["payload"]["to_lane"]) == ("planned", "for_review")
    assert queued_event_problems(event) == []


def test_completing_a_bare_record_gives_it_a_ulid_and_keeps_an_id_it_brings(spec_kitty_home):
    from spec_kitty.events.complete import complete
    from spec_kitty.project import ProjectIdentity

    bare = {
        "event_type": "WPStatusChanged",
        "aggregate_id": "WP01",
        "payload": {"wp_id": "WP01", "from_lane": "planned", "to_lane": "claimed"},
    }
    logged = {**bare, "event_id": "550e8400-e29b-41d4-a716-446655440000"}
    identity = ProjectIdentity("0b5d9a3e-2c1f-4e8a-9b7d-3f6e1a2c4d5e", "demo")
    made, kept = complete([bare, logged], lambda: identity)
    assert ULID.fullmatch(made["event_id"])
    assert kept["event_id"] == logged["event_id"]  # a status log's id is the dedupe key
