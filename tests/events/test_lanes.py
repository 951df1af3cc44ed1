import pytest
from spec_kitty.events.lanes import LANES, Lane, UnknownLane, collapse_lane, parse_lane

EXPECTED = {
    "planned": "planned",
    "claimed": "doing",
    "in_progress": "doing",
    "for_review": "for_review",
    "done": "done",
    "blocked": "doing",
    "canceled": "done",
}


@pytest.mark.parametrize("lane, synced", sorted(EXPECTED.items()))
def test_each_canonical_lane_collapses_as_designed(lane, synced):
    assert collapse_lane(lane) == synced


def test_the_seven_lanes_are_exactly_the_canonical_model():
    assert {lane.value for lane in Lane} == set(EXPECTED)


def test_doing_is_an_alias_of_in_progress():
    assert parse_lane("doing") is Lane.IN_PROGRESS
    assert collapse_lane("doing") == "doing"


def test_the_four_sync_lanes_map_to_themselves():
    assert LANES == ("planned", "doing", "for_review", "done")
    assert [collapse_lane(lane) for lane in LANES] == list(LANES)


@pytest.mark.parametrize("value", ["approved", "Done", "", None, 3])
def test_unknown_lane_is_never_guessed(value):
    with pytest.raises(UnknownLane) as info:
        collapse_lane(value, "to_lane")
    message = str(info.value)
    assert repr(value) in message
    assert "to_lane" in message
    for lane in EXPECTED:
        assert lane in message
