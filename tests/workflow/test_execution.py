"""implement, move-task, review: lanes in the log, derived views, guards, feedback, events."""

import pytest
from spec_kitty.jsonl import ScriptError
from spec_kitty.workflow.board import board
from spec_kitty.workflow.execution import implement, move_task, review
from spec_kitty.workflow.features import load_feature
from spec_kitty.workflow.state import load_state
from spec_kitty.workflow.transitions import TransitionRefused
from spec_kitty.workflow.workspace import open_workspace
from workflow_support import (
    commits,
    committed_files,
    complete,
    git,
    log_events,
    queued,
    status,
    work_in,
    worktree,
)


def feature(root, slug):
    return load_feature(root, slug)


def lanes(root, slug):
    return load_state(feature(root, slug)).lanes()


def frontmatter_lane(root, slug, wp):
    pkg = load_state(feature(root, slug)).packages[wp]
    return pkg.frontmatter_lane


def test_implement_makes_the_worktree_and_moves_planned_claimed_in_progress(planned):
    root, slug = planned
    result = implement(root, feature(root, slug), "WP01", "claude")
    tree = worktree(root, slug, "WP01")
    assert result["worktree"] == str(tree) and tree.is_dir()
    assert git(tree, "rev-parse", "--abbrev-ref", "HEAD").strip() == f"{slug}-WP01"
    assert result["prompt"].endswith("tasks/WP01-parse-the-input.md")
    assert [(e["from_lane"], e["to_lane"]) for e in log_events(root, slug)] == [
        ("planned", "claimed"),
        ("claimed", "in_progress"),
    ]
    assert all(
        e["execution_mode"] == "worktree" and e["actor"] == "claude" for e in log_events(root, slug)
    )
    assert frontmatter_lane(root, slug, "WP01") == "doing"
    assert commits(root)[0] == f"{slug} WP01: start implementation"
    assert committed_files(root) == {
        f"kitty-specs/{slug}/status.events.jsonl",
        f"kitty-specs/{slug}/status.json",
        f"kitty-specs/{slug}/tasks/WP01-parse-the-input.md",
    }
    assert status(root) == ""
    changes = [
        (e["payload"]["from_lane"], e["payload"]["to_lane"]) for e in queued("WPStatusChanged")
    ]
    assert changes == [("planned", "claimed"), ("claimed", "in_progress")]
    assert [e["event_id"] for e in queued("WPStatusChanged")] == [
        e["event_id"] for e in log_events(root, slug)
    ]
    assert queued("WPAssigned")[0]["payload"]["phase"] == "implementation"


def test_implement_refuses_while_a_dependency_is_not_done(planned):
    root, slug = planned
    with pytest.raises(TransitionRefused, match=r"WP02 depends on WP01 \(planned\), not done"):
        implement(root, feature(root, slug), "WP02", "claude")
    assert not (root / ".worktrees").exists()
    assert not (root / "kitty-specs" / slug / "status.events.jsonl").exists()
    assert not (root / "kitty-specs" / slug / "status.json").exists()


def test_implement_forced_with_a_reason_starts_before_the_dependencies_are_done(planned):
    root, slug = planned
    with pytest.raises(ScriptError, match="--force needs --reason TEXT"):
        implement(root, feature(root, slug), "WP02", "claude", force=True)
    implement(root, feature(root, slug), "WP01", "claude")
    work_in(root, slug, "WP01")
    result = implement(
        root, feature(root, slug), "WP02", "claude", force=True, reason="API agreed on paper"
    )
    assert (result["lane"], result["forced"]) == ("in_progress", True)
    # It builds on the work of the dependency under way, as a done one would be built on.
    assert result["base"] == f"{slug}-WP01"
    assert (worktree(root, slug, "WP02") / "work.txt").is_file()
    started = [e for e in log_events(root, slug) if e["wp_id"] == "WP02"]
    assert [(e["to_lane"], e["force"], e["reason"]) for e in started] == [
        ("claimed", True, "API agreed on paper"),
        ("in_progress", True, "API agreed on paper"),
    ]
    wp_file = root / "kitty-specs" / slug / "tasks" / "WP02-write-the-output.md"
    assert "planned -> doing (in_progress) (forced: API agreed on paper)" in wp_file.read_text()


def test_unknown_work_package(planned):
    root, slug = planned
    with pytest.raises(
        ScriptError,
        match="no work package WP07 in feature 001-checkout-flow "
        r"\(work packages: WP01, WP02, WP03\)",
    ):
        implement(root, feature(root, slug), "WP07", "claude")


def test_every_lane_of_the_main_path_and_its_commits(planned):
    root, slug = planned
    implement(root, feature(root, slug), "WP01", "claude")
    with pytest.raises(TransitionRefused, match="has no commits beyond its base"):
        move_task(root, feature(root, slug), "WP01", "for_review", "claude")
    work_in(root, slug, "WP01")
    move_task(root, feature(root, slug), "WP01", "for_review", "claude", note="parser ready")
    assert lanes(root, slug)["WP01"] == "for_review"
    assert commits(root)[0] == f"{slug} WP01: in_progress -> for_review"
    with pytest.raises(TransitionRefused, match="review WP01 --approve"):
        move_task(root, feature(root, slug), "WP01", "done", "claude")
    review(root, feature(root, slug), "WP01", "reviewer", approve=True)
    assert lanes(root, slug)["WP01"] == "done"
    assert frontmatter_lane(root, slug, "WP01") == "done"
    last = log_events(root, slug)[-1]
    assert last["evidence"]["review"] == {
        "reference": "review approved",
        "reviewer": "reviewer",
        "verdict": "approved",
    }
    (note,) = [e for e in queued("HistoryAdded") if e["payload"]["entry_type"] == "note"]
    assert note["payload"]["entry_content"] == "parser ready"
    resolved = queued("DependencyResolved")
    assert sorted(e["payload"]["wp_id"] for e in resolved) == ["WP02", "WP03"]
    assert queued("FeatureCompleted") == []


def test_side_lanes_blocked_and_canceled(planned):
    root, slug = planned
    move_task(root, feature(root, slug), "WP03", "blocked", "me", note="waiting on legal")
    move_task(root, feature(root, slug), "WP03", "planned", "me")
    move_task(root, feature(root, slug), "WP03", "canceled", "me")
    with pytest.raises(TransitionRefused, match="canceled, which is final"):
        move_task(root, feature(root, slug), "WP03", "planned", "me")
    assert frontmatter_lane(root, slug, "WP03") == "done"  # canceled shows as done in 4 lanes
    assert [e["to_lane"] for e in log_events(root, slug)] == ["blocked", "planned", "canceled"]


def test_force_needs_a_reason_and_is_recorded(planned):
    root, slug = planned
    with pytest.raises(ScriptError, match="--force needs --reason"):
        move_task(root, feature(root, slug), "WP02", "for_review", "me", force=True)
    move_task(
        root,
        feature(root, slug),
        "WP02",
        "for_review",
        "me",
        force=True,
        reason="reviewed on paper",
    )
    (event,) = log_events(root, slug)
    assert (event["from_lane"], event["to_lane"], event["force"], event["reason"]) == (
        "planned",
        "for_review",
        True,
        "reviewed on paper",
    )
    [sent] = [e for e in queued("WPStatusChanged") if e["event_id"] == event["event_id"]]
    assert (sent["payload"]["force"], sent["payload"]["reason"]) == (True, "reviewed on paper")
    unforced = [e for e in queued("WPStatusChanged") if e["event_id"] != event["event_id"]]
    assert all("force" not in e["payload"] for e in unforced)


def test_reject_stores_feedback_and_the_next_implement_shows_it(planned, tmp_path):
    root, slug = planned
    implement(root, feature(root, slug), "WP01", "claude")
    work_in(root, slug, "WP01")
    move_task(root, feature(root, slug), "WP01", "for_review", "claude")
    feedback = tmp_path / "feedback.md"
    feedback.write_text("Bad lines must keep their line numbers.\n")
    review(root, feature(root, slug), "WP01", "reviewer", feedback_file=feedback)
    assert lanes(root, slug)["WP01"] == "planned"
    wp_file = root / "kitty-specs" / slug / "tasks" / "WP01-parse-the-input.md"
    text = wp_file.read_text()
    assert "## Review Feedback" in text and "Bad lines must keep their line numbers." in text
    assert "review_status: has_feedback" in text
    assert log_events(root, slug)[-1]["review_ref"] == (
        f"kitty-specs/{slug}/tasks/WP01-parse-the-input.md#review-feedback"
    )
    (history,) = [e for e in queued("HistoryAdded") if e["payload"]["entry_type"] == "review"]
    assert history["payload"]["entry_content"].startswith("Bad lines must keep")
    again = implement(root, feature(root, slug), "WP01", "claude-2")
    assert "Bad lines must keep their line numbers." in again["feedback"]
    assert "changes requested by reviewer" in again["feedback"]
    assert again["lane"] == "in_progress"


def test_review_needs_a_work_package_in_review_and_readable_feedback(planned, tmp_path):
    root, slug = planned
    with pytest.raises(TransitionRefused, match="WP01 is planned; review takes"):
        review(root, feature(root, slug), "WP01", "r", approve=True)
    with pytest.raises(ScriptError, match="--reject needs --feedback FILE"):
        review(root, feature(root, slug), "WP01", "r")
    with pytest.raises(ScriptError, match="cannot read feedback file"):
        review(root, feature(root, slug), "WP01", "r", feedback_file=tmp_path / "missing.md")


def test_a_dependent_starts_from_the_one_unmerged_dependency_branch(planned):
    root, slug = planned
    implement(root, feature(root, slug), "WP01", "a")
    work_in(root, slug, "WP01")
    move_task(root, feature(root, slug), "WP01", "for_review", "a")
    review(root, feature(root, slug), "WP01", "r", approve=True)
    result = implement(root, feature(root, slug), "WP02", "b")
    assert result["base"] == f"{slug}-WP01"
    assert (worktree(root, slug, "WP02") / "work.txt").is_file()
    git(root, "merge", "-q", "--no-edit", f"{slug}-WP01")
    # WP03 needs WP01 (merged now) and WP02: finish WP02, then WP03 starts from WP02's branch.
    work_in(root, slug, "WP02", "more.txt")
    move_task(root, feature(root, slug), "WP02", "for_review", "b")
    review(root, feature(root, slug), "WP02", "r", approve=True)
    assert implement(root, feature(root, slug), "WP03", "c")["base"] == f"{slug}-WP02"


def test_the_last_approval_completes_the_feature(planned):
    root, slug = planned
    for wp in ("WP01", "WP02", "WP03"):
        complete(root, slug, wp)
    (completed,) = queued("FeatureCompleted")
    assert completed["payload"] == {"feature_slug": slug, "total_wps": 3}


def test_commands_run_from_inside_a_worktree_act_on_the_main_checkout(planned):
    root, slug = planned
    implement(root, feature(root, slug), "WP01", "a")
    tree = worktree(root, slug, "WP01")
    work_in(root, slug, "WP01")
    workspace = open_workspace(tree)
    assert workspace.root == root and workspace.here_feature == slug
    move_task(workspace.root, feature(root, slug), "WP01", "for_review", "a")
    assert not (tree / "kitty-specs" / slug / "status.events.jsonl").exists()
    assert lanes(root, slug)["WP01"] == "for_review"


def test_a_feature_targeting_another_branch_refuses_to_commit_here(planned):
    root, slug = planned
    git(root, "checkout", "-q", "-b", "elsewhere")
    with pytest.raises(
        ScriptError,
        match="commits to its target branch main, but .* has "
        "elsewhere checked out; run `git checkout main`",
    ):
        move_task(root, feature(root, slug), "WP03", "blocked", "me")
    move_task(root, feature(root, slug), "WP03", "blocked", "me", commit=False)
    assert lanes(root, slug)["WP03"] == "blocked"


def test_queue_trouble_never_fails_the_command(planned, spec_kitty_home, capsys):
    root, slug = planned
    (spec_kitty_home / "event-queue.db").unlink()
    (spec_kitty_home / "event-queue.db").mkdir()  # a directory where the file should be
    move_task(root, feature(root, slug), "WP03", "blocked", "me")
    assert lanes(root, slug)["WP03"] == "blocked"
    assert "the next `spec-kitty sync-now` queues and sends them" in capsys.readouterr().err


def test_board_shows_lanes_dependencies_and_nothing_to_disagree_about(planned):
    root, slug = planned
    implement(root, feature(root, slug), "WP01", "a")
    data = board(load_state(feature(root, slug)))
    rows = {row["wp_id"]: row for row in data["work_packages"]}
    assert rows["WP01"]["lane"] == "in_progress" and rows["WP01"]["lane_from"] == "status log"
    assert rows["WP03"]["dependencies"] == [
        {"wp_id": "WP01", "lane": "in_progress", "cli_lane": "doing"},
        {"wp_id": "WP02", "lane": "planned", "cli_lane": "planned"},
    ]
    assert data["disagreements"] == []


def test_a_hand_edited_frontmatter_lane_is_not_the_truth(planned):
    root, slug = planned
    implement(root, feature(root, slug), "WP01", "a")
    wp_file = root / "kitty-specs" / slug / "tasks" / "WP01-parse-the-input.md"
    wp_file.write_text(wp_file.read_text().replace("lane: doing", "lane: done"))
    state = load_state(feature(root, slug))
    assert state.lanes()["WP01"] == "in_progress"
    (disagreement,) = board(state)["disagreements"]
    assert disagreement == {
        "wp_id": "WP01",
        "status log": "in_progress",
        "frontmatter": "done",
        "truth": "status log",
    }
    with pytest.raises(TransitionRefused, match="cannot move from in_progress to done"):
        move_task(root, feature(root, slug), "WP01", "done", "a")


def refuse_commits(root):
    hook = root / ".git" / "hooks" / "pre-commit"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text("#!/bin/sh\necho 'no commits today' >&2\nexit 1\n")
    hook.chmod(0o755)


def test_a_failed_commit_puts_the_log_the_wp_file_and_the_index_back(planned):
    root, slug = planned
    implement(root, feature(root, slug), "WP01", "a")
    log = root / "kitty-specs" / slug / "status.events.jsonl"
    wp_file = root / "kitty-specs" / slug / "tasks" / "WP01-parse-the-input.md"
    before = (log.read_bytes(), wp_file.read_bytes(), commits(root))
    refuse_commits(root)
    with pytest.raises(ScriptError, match="git commit failed: no commits today"):
        move_task(root, feature(root, slug), "WP01", "blocked", "a", note="stuck")
    assert (log.read_bytes(), wp_file.read_bytes(), commits(root)) == before
    assert status(root) == ""
    assert [e for e in queued("WPStatusChanged") if e["payload"]["to_lane"] == "blocked"] == []


def test_a_failed_implement_removes_the_worktree_and_branch_it_made(planned):
    root, slug = planned
    refuse_commits(root)
    with pytest.raises(ScriptError, match="no commits today"):
        implement(root, feature(root, slug), "WP01", "a")
    assert not (worktree(root, slug, "WP01")).exists()
    assert f"{slug}-WP01" not in git(root, "branch", "--list")
    assert status(root) == "" and lanes(root, slug)["WP01"] == "planned"


def test_implement_again_hands_out_the_prompt_and_restores_a_removed_worktree(planned):
    root, slug = planned
    implement(root, feature(root, slug), "WP01", "a")
    work_in(root, slug, "WP01")
    git(root, "worktree", "remove", "--force", str(worktree(root, slug, "WP01")))
    again = implement(root, feature(root, slug), "WP01", "a")
    assert again["started"] is False and again["lane"] == "in_progress"
    assert (worktree(root, slug, "WP01") / "work.txt").is_file()
    assert len(log_events(root, slug)) == 2
