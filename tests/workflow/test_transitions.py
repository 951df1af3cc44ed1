"""The lane rules and the way refusals explain themselves."""

import pytest
from spec_kitty.events.lanes import Lane
from spec_kitty.jsonl import ScriptError
from spec_kitty.workflow import transitions
from spec_kitty.workflow.transitions import TransitionRefused, steps


def test_the_main_path_and_the_two_step_start():
    assert steps("WP01", "planned", Lane.CLAIMED) == [Lane.CLAIMED]
    assert steps("WP01", "planned", Lane.IN_PROGRESS) == [Lane.CLAIMED, Lane.IN_PROGRESS]
    assert steps("WP01", "in_progress", Lane.FOR_REVIEW) == [Lane.FOR_REVIEW]
    assert steps("WP01", "for_review", Lane.PLANNED) == [Lane.PLANNED]
    assert steps("WP01", "blocked", Lane.IN_PROGRESS) == [Lane.IN_PROGRESS]


def test_a_refused_move_lists_where_it_could_go():
    with pytest.raises(
        TransitionRefused, match="from planned it can go to: blocked, canceled, claimed"
    ):
        steps("WP01", "planned", Lane.FOR_REVIEW)


def test_final_lanes_and_unknown_lanes_need_force():
    with pytest.raises(TransitionRefused, match="done, which is final"):
        steps("WP01", "done", Lane.PLANNED)
    with pytest.raises(TransitionRefused, match="lane 'merged', which this tool does not know"):
        steps("WP01", "merged", Lane.DONE)
    with pytest.raises(TransitionRefused, match="already in for_review"):
        steps("WP01", "for_review", Lane.FOR_REVIEW)


def test_guards_name_what_is_missing():
    with pytest.raises(TransitionRefused, match=r"depends on WP02 \(in_progress\), WP03 \(missing"):
        transitions.check_dependencies(
            "WP04", ["WP01", "WP02", "WP03"], {"WP01": "done", "WP02": "in_progress"}
        )
    with pytest.raises(TransitionRefused, match="no commits beyond its base main"):
        transitions.check_has_commits("WP01", "001-x-WP01", "main", 0)
    with pytest.raises(ScriptError, match="--force needs --reason"):
        transitions.require_reason(True, " ")


def test_doing_is_read_as_in_progress_and_nonsense_is_refused():
    assert transitions.target_lane("doing") == Lane.IN_PROGRESS
    with pytest.raises(ScriptError, match="unknown lane 'finished'"):
        transitions.target_lane("finished")


def test_work_packages_move_on_out_of_the_lanes_2x_and_3x_write():
    assert steps("WP01", "approved", Lane.DONE) == [Lane.DONE]
    assert steps("WP01", "approved", Lane.PLANNED) == [Lane.PLANNED]
    for target in (Lane.APPROVED, Lane.PLANNED, Lane.FOR_REVIEW, Lane.IN_PROGRESS):
        assert steps("WP01", "in_review", target) == [target]
    assert steps("WP01", "genesis", Lane.PLANNED) == [Lane.PLANNED]
    assert steps("WP01", "genesis", Lane.IN_PROGRESS) == [
        Lane.PLANNED,
        Lane.CLAIMED,
        Lane.IN_PROGRESS,
    ]
    with pytest.raises(TransitionRefused, match="from in_review it can go to: approved, blocked"):
        steps("WP01", "in_review", Lane.DONE)
    with pytest.raises(TransitionRefused, match="cannot move from planned to for_review"):
        steps("WP01", "genesis", Lane.FOR_REVIEW)


def test_none_of_the_seven_lanes_leads_into_the_newer_ones():
    seven = [Lane.PLANNED, Lane.CLAIMED, Lane.IN_PROGRESS, Lane.FOR_REVIEW, Lane.DONE]
    seven += [Lane.BLOCKED, Lane.CANCELED]
    for lane in seven:
        assert not transitions.ALLOWED[lane] & {Lane.APPROVED, Lane.IN_REVIEW, Lane.GENESIS}
        assert set(transitions.START.get(lane, [])) <= set(seven)


def test_genesis_is_never_a_target_and_done_needs_a_review_or_an_approval():
    with pytest.raises(ScriptError, match="genesis is the lane of a work package before"):
        transitions.target_lane("genesis")
    transitions.check_review_path("WP01", "approved", Lane.DONE)
    with pytest.raises(TransitionRefused, match="reaches done through review"):
        transitions.check_review_path("WP01", "in_review", Lane.DONE)


def test_implement_starts_from_genesis_as_from_planned_and_never_from_approved():
    assert transitions.start_steps("genesis") == [Lane.PLANNED, Lane.CLAIMED, Lane.IN_PROGRESS]
    assert transitions.start_steps("planned") == [Lane.CLAIMED, Lane.IN_PROGRESS]
    for lane in ("approved", "in_review", "for_review", "done", "merged"):
        assert transitions.start_steps(lane) is None
    assert transitions.starts_work("genesis", Lane.CLAIMED)
    assert not transitions.starts_work("approved", Lane.IN_PROGRESS)
