"""Completing bare records: each envelope exactly what the Event type writes, the shared fields
taken once for all."""

import pytest
from factories import PROJECT_UUID
from spec_kitty.events.complete import complete
from spec_kitty.events.envelope import FIELD_NAMES, Event, check_envelope
from spec_kitty.project import ProjectIdentity

PROJECT = ProjectIdentity(PROJECT_UUID, "demo")


def bare(wp="WP01", **extra):
    return {
        "event_type": "WPStatusChanged",
        "aggregate_id": wp,
        "payload": {"wp_id": wp, "from_lane": "planned", "to_lane": "claimed"},
        **extra,
    }


def test_completed_envelopes_are_what_the_event_type_writes_in_its_order(spec_kitty_home):
    records = [
        bare(),
        bare("WP02", x_note="kept", git_branch="main", event_id="01HV0000000000000000000000"),
        {
            "event_type": "FeatureCompleted",
            "aggregate_id": "001-x",
            "payload": {"feature_slug": "001-x", "total_wps": 2},
            "team_slug": None,
        },
    ]
    events = complete(records, lambda: PROJECT)

    for event in events:
        check_envelope(event)
        assert Event.from_dict(event).to_dict() == event
        assert list(Event.from_dict(event).to_dict()) == list(event)
    first, second, third = events
    assert list(first) == [
        name
        for name in FIELD_NAMES
        if name not in ("team_slug", "git_branch", "head_commit_sha", "repo_slug")
    ]
    assert list(second)[-1] == "x_note" and second["git_branch"] == "main"
    assert second["event_id"] == "01HV0000000000000000000000"
    assert (first["aggregate_type"], third["aggregate_type"]) == ("WorkPackage", "Feature")
    assert "team_slug" not in third
    assert [e["lamport_clock"] for e in events] == [1, 2, 3]
    assert len({e["event_id"] for e in events}) == 3
    assert {e["project_uuid"] for e in events} == {PROJECT_UUID}


def test_the_project_is_read_only_when_a_record_lacks_it(spec_kitty_home):
    def no_project():
        raise AssertionError("identity read although every record names its project")

    own = bare(project_uuid=PROJECT_UUID, project_slug="mine")
    [event] = complete([own], no_project)
    assert event["project_slug"] == "mine"
    asked = []
    complete([bare(), bare(), bare()], lambda: asked.append(1) or PROJECT)
    assert asked == [1]


def test_clock_values_come_from_the_tick_given(spec_kitty_home):
    events = complete([bare(), bare()], lambda: PROJECT, lambda n: ("node-a", range(40, 40 + n)))
    assert [(e["node_id"], e["lamport_clock"]) for e in events] == [("node-a", 40), ("node-a", 41)]
    with pytest.raises(ValueError):
        complete([bare()], lambda: PROJECT, lambda n: ("node-a", range(0)))
