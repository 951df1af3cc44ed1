"""Status logs with the lanes spec-kitty 2.1+ and 3.x write (approved, in_review, genesis): read
by board, implement and move-task, and work packages moved on out of them. The logs are written
here in each release's line shape."""

import json

import pytest
from spec_kitty.events.collapse import collapse_event
from spec_kitty.workflow.board import board, render_text
from spec_kitty.workflow.execution import implement, move_task, review
from spec_kitty.workflow.features import load_feature
from spec_kitty.workflow.state import load_state
from spec_kitty.workflow.transitions import TransitionRefused
from workflow_support import git, log_events, queued, worktree, write

IDS = iter(f"01KJ6{n:021d}" for n in range(1, 1000))


def line_2x(wp, from_lane, to_lane, minute, slug="050-approvals", **extra) -> str:
    """One transition as spec-kitty 2.x writes it: sorted keys, feature_slug."""
    event = {
        "actor": "claude",
        "at": f"2026-02-01T10:{minute:02d}:00+00:00",
        "event_id": next(IDS),
        "evidence": None,
        "execution_mode": "worktree",
        "feature_slug": slug,
        "force": False,
        "from_lane": from_lane,
        "policy_metadata": None,
        "reason": None,
        "review_ref": None,
        "to_lane": to_lane,
        "wp_id": wp,
        **extra,
    }
    return json.dumps(event, sort_keys=True) + "\n"


def line_3x(wp, from_lane, to_lane, minute, slug="060-reviews") -> str:
    """One transition as spec-kitty 3.x writes it: mission_slug and mission_id, in its order."""
    event = {
        "event_id": next(IDS),
        "mission_slug": slug,
        "wp_id": wp,
        "from_lane": from_lane,
        "to_lane": to_lane,
        "at": f"2026-03-01T09:{minute:02d}:00+00:00",
        "actor": {"role": "implementer", "profile": None, "tool": "claude", "model": None},
        "force": False,
        "execution_mode": "worktree",
        "reason": None,
        "review_ref": None,
        "evidence": None,
        "policy_metadata": None,
        "mission_id": "01KJ7MISSIONMISSIONMISSION",
    }
    return json.dumps(event) + "\n"


def other_3x_records() -> str:
    """Records 3.x keeps in the same file that are not lane transitions."""
    records = [
        {"event_type": "WPCreated", "payload": {"wp_id": "WP01"}, "at": "2026-03-01T09:00:00Z"},
        {"kind": "annotation", "wp_id": "WP01", "note": "halfway"},
        {"type": "RetrospectiveCaptured", "mission_slug": "060-reviews"},
        {"event_name": "retrospective.skipped", "mission_slug": "060-reviews"},
    ]
    return "".join(json.dumps(record) + "\n" for record in records)


def wp_file(wp, title, lane, deps=()) -> str:
    listed = ", ".join(deps)
    return (
        f'---\nwork_package_id: "{wp}"\ntitle: "{title}"\nlane: "{lane}"\n'
        f"dependencies: [{listed}]\n---\n# {title}\n"
    )


def add_feature(root, slug, log_text, packages):
    write(root, f"kitty-specs/{slug}/status.events.jsonl", log_text)
    write(
        root, f"kitty-specs/{slug}/meta.json", json.dumps({"slug": slug, "target_branch": "main"})
    )
    for name, text in packages.items():
        write(root, f"kitty-specs/{slug}/tasks/{name}", text)
    git(root, "add", "kitty-specs")
    git(root, "commit", "-q", "-m", f"add {slug} as another release wrote it")
    return load_feature(root, slug)


@pytest.fixture
def approvals(project):
    """A 2.x feature: WP01 approved (not merged yet), WP02 waits on it, WP03 approved too."""
    log = "".join(
        [
            line_2x("WP01", "planned", "claimed", 1),
            line_2x("WP01", "claimed", "in_progress", 2),
            line_2x("WP01", "in_progress", "for_review", 3),
            line_2x("WP01", "for_review", "approved", 4, review_ref="review-1"),
            line_2x("WP03", "planned", "for_review", 5, force=True, reason="bootstrap"),
            line_2x("WP03", "for_review", "approved", 6),
        ]
    )
    feature = add_feature(
        project,
        "050-approvals",
        log,
        {
            "WP01-parser.md": wp_file("WP01", "Parser", "approved"),
            "WP02-writer.md": wp_file("WP02", "Writer", "planned", ["WP01"]),
            "WP03-docs.md": wp_file("WP03", "Docs", "approved"),
        },
    )
    return project, feature, log


def test_an_approved_work_package_shows_in_its_column_between_review_and_done(approvals):
    _root, feature, _log = approvals
    data = board(load_state(feature))
    assert {p["wp_id"]: (p["lane"], p["lane_from"]) for p in data["work_packages"]} == {
        "WP01": ("approved", "status log"),
        "WP02": ("planned", "frontmatter"),
        "WP03": ("approved", "status log"),
    }
    assert data["disagreements"] == []
    text = render_text(data)
    assert "\ndone (approved): 2\n  WP01  Parser\n  WP03  Docs\n" in text
    assert text.index("for_review: 0") < text.index("done (approved): 2") < text.index("done: 0")


def test_approved_is_not_implemented_again_and_does_not_count_as_done(approvals):
    root, feature, _log = approvals
    with pytest.raises(TransitionRefused, match=r"WP01 is done \(approved\); implement starts"):
        implement(root, feature, "WP01", "me")
    with pytest.raises(TransitionRefused, match=r"WP02 depends on WP01 \(approved\), not done"):
        implement(root, feature, "WP02", "me")


def test_approved_moves_to_done_without_another_review_then_dependents_start(approvals):
    root, feature, log = approvals

    moved = move_task(root, feature, "WP01", "done", "me")

    assert (moved["from_lane"], moved["to_lane"]) == ("approved", "done")
    path = root / "kitty-specs" / "050-approvals" / "status.events.jsonl"
    assert path.read_text().startswith(log)  # appended, never rewritten
    assert [(e["from_lane"], e["to_lane"]) for e in log_events(root, "050-approvals")[6:]] == [
        ("approved", "done")
    ]
    [status] = [e for e in queued("WPStatusChanged") if e["payload"]["from_lane"] == "approved"]
    assert collapse_event(status)["payload"]["from_lane"] == "done"
    assert [e["payload"]["wp_id"] for e in queued("DependencyResolved")] == ["WP02"]
    assert implement(root, feature, "WP02", "me")["started"] is True


def test_approved_goes_back_to_planned_on_a_change_of_heart(approvals):
    root, feature, _log = approvals
    move_task(root, feature, "WP03", "planned", "me", note="the docs need another pass")
    assert board(load_state(feature))["work_packages"][2]["lane"] == "planned"
    with pytest.raises(TransitionRefused, match="from approved it can go to: blocked, canceled"):
        move_task(root, feature, "WP01", "for_review", "me")


@pytest.fixture
def reviews(project):
    """A 3.x feature: seeded from genesis, WP01 in review, WP02 planned, and WP03 left in
    genesis (by hand: 3.x itself never ends a work package there)."""
    log = "".join(
        [
            other_3x_records(),
            line_3x("WP01", "genesis", "planned", 1),
            line_3x("WP02", "genesis", "planned", 1),
            line_3x("WP01", "planned", "claimed", 2),
            line_3x("WP01", "claimed", "in_progress", 3),
            line_3x("WP01", "in_progress", "for_review", 4),
            line_3x("WP01", "for_review", "in_review", 5),
            line_3x("WP03", "planned", "genesis", 6),
        ]
    )
    feature = add_feature(
        project,
        "060-reviews",
        log,
        {
            "WP01-api.md": wp_file("WP01", "API", "in_review"),
            "WP02-ui.md": wp_file("WP02", "UI", "planned", ["WP01"]),
            "WP03-ops.md": wp_file("WP03", "Ops", "planned"),
        },
    )
    return project, feature, log


def test_a_3x_log_is_read_past_its_other_records(reviews):
    _root, feature, _log = reviews
    data = board(load_state(feature))
    assert [(p["wp_id"], p["lane"]) for p in data["work_packages"]] == [
        ("WP01", "in_review"),
        ("WP02", "planned"),
        ("WP03", "genesis"),
    ]
    text = render_text(data)
    deps = "[deps: WP01 for_review (in_review)]"
    assert f"\nplanned: 2\n  WP02  UI  {deps}\n  WP03  Ops  (genesis)\n" in text
    assert "\nfor_review (in_review): 1\n  WP01  API\n" in text
    assert "genesis (" not in text  # never a column of its own


def test_in_review_moves_on_to_approved_then_done_but_not_straight_to_done(reviews):
    root, feature, log = reviews
    with pytest.raises(TransitionRefused, match="from in_review it can go to: approved, blocked"):
        move_task(root, feature, "WP01", "done", "me")
    with pytest.raises(TransitionRefused, match=r"WP01 is for_review \(in_review\); implement"):
        implement(root, feature, "WP01", "me")

    move_task(root, feature, "WP01", "approved", "me", note="reviewed in 3.x")
    move_task(root, feature, "WP01", "done", "me")

    path = root / "kitty-specs" / "060-reviews" / "status.events.jsonl"
    assert path.read_text().startswith(log)
    moves = [(e["from_lane"], e["to_lane"]) for e in log_events(root, "060-reviews")[11:]]
    assert moves == [("in_review", "approved"), ("approved", "done")]
    sent = [collapse_event(e)["payload"] for e in queued("WPStatusChanged")]
    assert [(p["from_lane"], p["to_lane"]) for p in sent] == [
        ("for_review", "done"),
        ("done", "done"),
    ]


def test_a_review_taken_back_to_for_review_is_finished_by_review(reviews):
    root, feature, _log = reviews
    move_task(root, feature, "WP01", "for_review", "me")
    assert review(root, feature, "WP01", "me", approve=True)["to_lane"] == "done"


def test_implement_starts_a_genesis_work_package_as_a_planned_one(reviews):
    root, feature, _log = reviews

    started = implement(root, feature, "WP03", "me")

    assert started["started"] is True and started["lane"] == "in_progress"
    events = log_events(root, "060-reviews")
    moves = [(e["wp_id"], e["from_lane"], e["to_lane"]) for e in events if "to_lane" in e]
    assert moves[-3:] == [
        ("WP03", "genesis", "planned"),
        ("WP03", "planned", "claimed"),
        ("WP03", "claimed", "in_progress"),
    ]
    assert worktree(root, "060-reviews", "WP03").is_dir()


def test_no_move_leads_into_genesis_even_forced(reviews):
    root, feature, _log = reviews
    with pytest.raises(Exception, match="genesis is the lane of a work package before"):
        move_task(root, feature, "WP02", "genesis", "me", force=True, reason="try")
