"""Features written by earlier spec-kitty releases are read as they are, and their first move
bootstraps the status log from what their files state. The fixtures are written here, in each
release's dialect."""

import json

import pytest
from spec_kitty.workflow.board import board, render_text
from spec_kitty.workflow.execution import implement, move_task
from spec_kitty.workflow.features import load_feature
from spec_kitty.workflow.state import load_state
from spec_kitty.workflow.transitions import TransitionRefused
from workflow_support import commits, committed_files, git, log_events, status, write

LANE_FOLDERS_0X = {
    "tasks.md": """
        # Work Packages: Plugin loader
        ## Work Package WP01: Loader core (Priority: P0)
        ### Dependencies
        - None (starting package)
        ## Work Package WP02: Config flag (Priority: P0)
        ### Dependencies
        - Depends on WP01 (needs the loader)
        ## Work Package WP03: Docs (Priority: P1) - MVP
        ### Dependencies
        - Depends on WP02 (flag must exist); can start concurrently with WP01
        """,
    "tasks/for_review/WP01-loader-core.md": """
        ---
        work_package_id: "WP01"
        title: "Loader core"
        lane: "for_review"
        ---
        # Loader core
        """,
    "tasks/for_review/WP02-config-flag.md": """
        ---
        work_package_id: "WP02"
        title: "Config flag"
        lane: "doing"
        ---
        # Config flag
        """,
    "tasks/planned/WP03-docs.md": """
        ---
        work_package_id: "WP03"
        title: "Docs"
        lane: "planned"
        ---
        """,
}


def add_feature(root, slug, files, meta=None):
    for relative, text in files.items():
        write(root, f"kitty-specs/{slug}/{relative}", text)
    if meta is not None:
        write(root, f"kitty-specs/{slug}/meta.json", json.dumps(meta))
    git(root, "add", "kitty-specs")
    git(root, "commit", "-q", "-m", f"add {slug} as an earlier release wrote it")


def test_lane_folders_are_the_truth_until_the_first_move_bootstraps_the_log(project):
    add_feature(project, "006-plugin-loader", LANE_FOLDERS_0X)  # no meta.json at all
    feature = load_feature(project, "006-plugin-loader")
    data = board(load_state(feature))
    assert [(r["wp_id"], r["lane"]) for r in data["work_packages"]] == [
        ("WP01", "for_review"),
        ("WP02", "for_review"),
        ("WP03", "planned"),
    ]
    assert data["disagreements"] == [
        {"wp_id": "WP02", "folder": "for_review", "frontmatter": "doing", "truth": "folder"}
    ]
    assert "WP02: folder says for_review, frontmatter says doing" in render_text(data)
    deps = {r["wp_id"]: [d["wp_id"] for d in r["dependencies"]] for r in data["work_packages"]}
    assert deps == {"WP01": [], "WP02": ["WP01"], "WP03": ["WP02"]}

    move_task(project, feature, "WP01", "in_progress", "me", note="one more fix")
    events = log_events(project, "006-plugin-loader")
    assert [(e["wp_id"], e["from_lane"], e["to_lane"], e["force"]) for e in events] == [
        ("WP01", "planned", "for_review", True),
        ("WP02", "planned", "for_review", True),
        ("WP01", "for_review", "in_progress", False),
    ]
    assert events[0]["reason"] == (
        "bootstrap from folder tasks/for_review/ lane for_review before the first move"
    )
    tasks = project / "kitty-specs" / "006-plugin-loader" / "tasks"
    assert (tasks / "doing" / "WP01-loader-core.md").is_file()
    assert not (tasks / "for_review" / "WP01-loader-core.md").exists()
    assert 'lane: "doing"' in (tasks / "doing" / "WP01-loader-core.md").read_text()
    assert 'lane: "for_review"' in (tasks / "for_review" / "WP02-config-flag.md").read_text()
    assert board(load_state(feature))["disagreements"] == []
    assert status(project) == ""
    assert "kitty-specs/006-plugin-loader/tasks/for_review/WP01-loader-core.md" in (
        committed_files(project)
    )


STATUS_LOG_2X = [
    {
        "actor": "user",
        "at": "2026-01-05T10:00:00+00:00",
        "event_id": "01KJ605ETHDGK6W3DCNWCDDW43",
        "evidence": None,
        "execution_mode": "worktree",
        "feature_slug": "045-handoff",
        "force": True,
        "from_lane": "planned",
        "policy_metadata": None,
        "reason": "bootstrap from frontmatter lane in_progress",
        "review_ref": None,
        "to_lane": "in_progress",
        "wp_id": "WP01",
    },
    {
        "actor": "user",
        "at": "2026-01-05T10:05:00+00:00",
        "event_id": "01KJ605EWQTMY2KYKJ0E94X3F7",
        "evidence": None,
        "execution_mode": "worktree",
        "feature_slug": "045-handoff",
        "force": False,
        "from_lane": "in_progress",
        "policy_metadata": None,
        "reason": "ready",
        "review_ref": None,
        "to_lane": "for_review",
        "wp_id": "WP01",
    },
]


def test_a_2x_status_log_is_the_truth_and_disagreements_are_shown(project):
    git(project, "checkout", "-q", "-b", "2.x")
    log_text = "".join(json.dumps(e, sort_keys=True) + "\n" for e in STATUS_LOG_2X)
    add_feature(
        project,
        "045-handoff",
        {
            "status.events.jsonl": log_text,
            "tasks/WP01-scaffold.md": '---\nwork_package_id: WP01\ntitle: Scaffold\nlane: "done"\n'
            "dependencies: []\n---\n",
            "tasks/WP02-export.md": '---\nwork_package_id: WP02\ntitle: Export\nlane: "doing"\n'
            "dependencies: [WP01]\n---\n",
            "tasks/WP03-notes.md": '---\nwork_package_id: "WP03"\ntitle: "Notes"\n'
            'lane: "planned"\ndependencies: ["WP01", "WP02"]\n---\n',
        },
        meta={"feature_number": "045", "slug": "045-handoff", "target_branch": "2.x"},
    )
    feature = load_feature(project, "045-handoff")
    data = board(load_state(feature))
    assert {r["wp_id"]: (r["lane"], r["lane_from"]) for r in data["work_packages"]} == {
        "WP01": ("for_review", "status log"),
        "WP02": ("in_progress", "frontmatter"),
        "WP03": ("planned", "frontmatter"),
    }
    assert "WP01: status log says for_review, frontmatter says done" in render_text(data)
    with pytest.raises(TransitionRefused, match=r"WP03 depends on WP01 \(for_review\), WP02"):
        move_task(project, feature, "WP03", "claimed", "me")
    move_task(project, feature, "WP02", "blocked", "me")
    after = (project / "kitty-specs" / "045-handoff" / "status.events.jsonl").read_text()
    assert after.startswith(log_text)  # appended, never rewritten
    assert [(e["wp_id"], e["to_lane"]) for e in log_events(project, "045-handoff")[2:]] == [
        ("WP02", "in_progress"),
        ("WP02", "blocked"),
    ]
    assert commits(project)[0] == "045-handoff WP02: in_progress -> blocked"
    assert git(project, "rev-parse", "--abbrev-ref", "HEAD").strip() == "2.x"


def test_a_1x_feature_on_master_with_depends_on_lines_only_in_tasks_md(tmp_path, monkeypatch):
    from spec_kitty.workflow.init import init_project

    root = tmp_path / "legacy"
    root.mkdir()
    git(root, "init", "-q", "-b", "master")
    git(root, "commit", "-q", "--allow-empty", "-m", "start")
    init_project(root)
    monkeypatch.chdir(root)
    add_feature(
        root,
        "001-quiz-game",
        {
            "tasks.md": """
                ## Work Package WP01: Setup (Priority: P0) 🏗️
                ### Dependencies
                - None (starting package)
                ## Work Package WP02: Store (Priority: P0)
                ### Dependencies
                - Depends on WP01 (for `src/types/index.ts`)
                """,
            "tasks/WP01-setup.md": "---\nwork_package_id: WP01\ntitle: Setup\nlane: planned\n---\n",
            "tasks/WP02-store.md": "---\nwork_package_id: WP02\ntitle: Store\nlane: planned\n---\n",
        },
        meta={"feature_number": "001", "slug": "001-quiz-game", "target_branch": "master"},
    )
    feature = load_feature(root, "001-quiz-game")
    with pytest.raises(TransitionRefused, match=r"WP02 depends on WP01 \(planned\)"):
        implement(root, feature, "WP02", "me")
    result = implement(root, feature, "WP01", "me")
    assert result["base"] == "master"
    assert commits(root)[0] == "001-quiz-game WP01: start implementation"
    assert git(root, "rev-parse", "--abbrev-ref", "HEAD").strip() == "master"


def test_an_empty_review_feedback_section_from_a_template_is_not_feedback(project):
    add_feature(
        project,
        "001-tidy",
        {
            "tasks/WP01-tidy.md": '---\nwork_package_id: WP01\ntitle: Tidy\nlane: "planned"\n'
            'review_status: ""\n---\n# Tidy\n\n## Review Feedback\n\n_No feedback recorded._\n',
        },
        meta={"feature_number": "001", "slug": "001-tidy", "target_branch": "main"},
    )
    assert implement(project, load_feature(project, "001-tidy"), "WP01", "me")["feedback"] is None
