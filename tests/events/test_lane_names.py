"""How people read a lane: the CLI's 4-lane name, and the canonical lane where it differs."""

from spec_kitty.events.lanes import display_lane, lane_fields


def test_a_lane_is_shown_by_its_4_lane_name_with_the_canonical_one_where_it_differs():
    shown = {
        lane: display_lane(lane)
        for lane in ("planned", "claimed", "in_progress", "for_review", "done", "canceled")
    }
    assert shown == {
        "planned": "planned",
        "claimed": "doing (claimed)",
        "in_progress": "doing (in_progress)",
        "for_review": "for_review",
        "done": "done",
        "canceled": "done (canceled)",
    }
    assert display_lane("doing") == "doing (in_progress)"
    assert display_lane("someday") == "someday"  # never guessed


def test_machine_output_carries_both_names():
    assert lane_fields("in_progress", "to_") == {"to_lane": "in_progress", "to_cli_lane": "doing"}
    assert lane_fields("planned") == {"lane": "planned", "cli_lane": "planned"}
    assert lane_fields("someday") == {"lane": "someday", "cli_lane": None}
