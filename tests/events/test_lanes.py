import pytest
from spec_kitty.events.collapse import check_lanes, collapse_event
from spec_kitty.events.lanes import (
    LANE_ALIASES,
    LANES,
    Lane,
    UnknownLane,
    collapse_lane,
    parse_lane,
)

SEED = {
    "planned": "planned",
    "claimed": "doing",
    "in_progress": "doing",
    "for_review": "for_review",
    "done": "done",
    "blocked": "doing",
    "canceled": "done",
}
# The lanes spec-kitty 2.1+ and 3.x write, collapsed as spec-kitty's events library maps them.
WRITTEN_TODAY = {
    "approved": "done",
    "in_review": "for_review",
    "genesis": "planned",
}
EXPECTED = SEED | WRITTEN_TODAY


@pytest.mark.parametrize("lane, synced", sorted(EXPECTED.items()))
def test_each_canonical_lane_collapses_as_designed(lane, synced):
    assert collapse_lane(lane) == synced


def test_the_canonical_model_is_the_seed_lanes_and_the_ones_spec_kitty_writes_today():
    assert {lane.value for lane in Lane} == set(EXPECTED)


def test_every_canonical_lane_and_alias_has_exactly_one_sync_lane():
    names = [lane.value for lane in Lane] + list(LANE_ALIASES)
    for name in names:
        assert collapse_lane(name) in LANES, name
    assert len(names) == len(set(names))


def test_collapse_lanes_help_states_where_each_lane_goes(script):
    helped = script("collapse-lanes", "--help").stdout.decode()
    for lane, synced in EXPECTED.items():
        if lane != synced:
            (line,) = [line for line in helped.splitlines() if line.endswith(f" -> {synced}")]
            assert lane in line.split(" -> ")[0].strip().split(", "), (lane, line)


def test_doing_is_an_alias_of_in_progress():
    assert parse_lane("doing") is Lane.IN_PROGRESS
    assert collapse_lane("doing") == "doing"


def test_the_four_sync_lanes_map_to_themselves():
    assert LANES == ("planned", "doing", "for_review", "done")
    assert [collapse_lane(lane) for lane in LANES] == list(LANES)


@pytest.mark.parametrize("value", ["approve", "Done", "review", "", None, 3])
def test_unknown_lane_is_never_guessed(value):
    with pytest.raises(UnknownLane) as info:
        collapse_lane(value, "to_lane")
    message = str(info.value)
    assert repr(value) in message
    assert "to_lane" in message
    for lane in [*EXPECTED, "doing"]:
        assert lane in message
    assert info.value.brief == f"unknown lane {value!r} in to_lane"


def status_change(from_lane, to_lane) -> dict:
    return {
        "event_type": "WPStatusChanged",
        "payload": {"wp_id": "WP01", "from_lane": from_lane, "to_lane": to_lane},
    }


def test_a_3x_review_and_a_genesis_seed_collapse_for_sending():
    assert collapse_event(status_change("in_review", "approved"))["payload"] == {
        "wp_id": "WP01",
        "from_lane": "for_review",
        "to_lane": "done",
    }
    assert collapse_event(status_change("genesis", "planned"))["payload"]["from_lane"] == "planned"


def test_check_lanes_names_the_field_of_an_unknown_lane():
    check_lanes(status_change("approved", "done"))
    with pytest.raises(UnknownLane, match="unknown lane 'merged' in from_lane"):
        check_lanes(status_change("merged", "done"))
    check_lanes({"event_type": "WPCreated", "payload": {"to_lane": "whatever"}})


def test_a_first_transition_without_a_from_lane_collapses_and_passes_the_lane_check():
    absent = {"event_type": "WPStatusChanged", "payload": {"wp_id": "WP01", "to_lane": "claimed"}}
    assert collapse_event(absent)["payload"] == {"wp_id": "WP01", "to_lane": "doing"}
    null = status_change(None, "claimed")
    assert collapse_event(null)["payload"] == {
        "wp_id": "WP01",
        "from_lane": None,
        "to_lane": "doing",
    }
    check_lanes(absent)
    check_lanes(null)
    # to_lane has no such exception: a status change always goes somewhere.
    with pytest.raises(UnknownLane, match="unknown lane None in to_lane"):
        collapse_event(status_change("planned", None))
