"""`spec-kitty` workflow tasks as a user runs them: separate processes, exit codes, --json."""

import json
import subprocess
from pathlib import Path

import pytest
from kitty_testing import login
from spec_kitty.events.lanes import LANES
from workflow_support import TASKS_MD, VENV_BIN, commits, git, log_events, status, write


def run(script, root, *args, ok=True):
    done = script("spec-kitty", *args, cwd=root)
    if ok:
        assert done.returncode == 0, done.stderr.decode()
    return done


def run_json(script, root, *args) -> dict:
    return json.loads(run(script, root, *args, "--json").stdout)


@pytest.mark.slow
def test_smoke_from_init_to_review_then_synced_to_the_reference_server(
    script, repo, reference_server
):
    project = run_json(script, repo, "init")
    feature = run_json(script, repo, "create-feature", "Checkout flow")["feature"]
    run(script, repo, "setup-plan")
    write(
        repo,
        f"kitty-specs/{feature}/tasks.md",
        "## WP01: The only work package\n- [ ] T001 Do it\n",
    )
    assert [c["wp_id"] for c in run_json(script, repo, "finalize-tasks")["created"]] == ["WP01"]
    started = run_json(script, repo, "implement", "WP01")
    tree = Path(started["worktree"])
    write(tree, "feature.txt", "the work\n")
    git(tree, "add", "feature.txt")
    git(tree, "commit", "-q", "-m", "the work")
    run(script, tree, "move-task", "WP01", "--to", "for_review", "--note", "ready")
    run(script, repo, "review", "WP01", "--approve")
    assert git(repo, "status", "--porcelain") == ""

    login(reference_server.url)
    sync = run(script, repo, "sync-now")
    assert b"Failed: 0" in sync.stdout

    stored = reference_server.stored_events(project["project_uuid"])
    types = sorted(e["event_type"] for e in stored)
    assert types == sorted(
        [
            "FeatureCreated",
            "FeatureArtifactCreated",
            "FeatureArtifactCreated",
            "FeatureArtifactCreated",
            "WPCreated",
            "WPAssigned",
            "WPAssigned",
            "HistoryAdded",
            "HistoryAdded",
            "FeatureCompleted",
        ]
        + ["WPStatusChanged"] * 4
    )
    changes = [e for e in stored if e["event_type"] == "WPStatusChanged"]
    assert [(e["payload"]["from_lane"], e["payload"]["to_lane"]) for e in changes] == [
        ("planned", "doing"),
        ("doing", "doing"),
        ("doing", "for_review"),
        ("for_review", "done"),
    ]
    assert all(e["payload"]["from_lane"] in LANES for e in changes)
    assert [e["event_id"] for e in changes] == [e["event_id"] for e in log_events(repo, feature)]


def test_several_features_without_feature_name_the_exact_command(script, project):
    run(script, project, "create-feature", "First")
    run(script, project, "create-feature", "Second")
    done = run(script, project, "setup-plan", ok=False)
    assert done.returncode == 2
    assert done.stderr.decode().strip() == (
        "spec-kitty setup-plan: 2 features, choose one: 001-first, 002-second; "
        "run `spec-kitty setup-plan --feature 002-second`"
    )
    assert run_json(script, project, "setup-plan", "--feature", "001")["plan"] == (
        "kitty-specs/001-first/plan.md"
    )


def test_errors_are_one_line_with_exit_2(script, project):
    bad_wp = run(script, project, "implement", "WPX", ok=False)
    assert (bad_wp.returncode, bad_wp.stderr.decode().strip()) == (
        2,
        "spec-kitty implement: work package id 'WPX' is not valid: expected WP01 .. WP99",
    )
    no_spec = run(script, project, "review", "WP01", ok=False)
    assert no_spec.returncode == 2 and b"exactly one of --approve or --reject" in no_spec.stderr
    assert b"Traceback" not in bad_wp.stderr + no_spec.stderr


def test_implement_refusal_hints_at_flags_implement_takes(script, planned):
    root, slug = planned
    refused = run(script, root, "implement", "WP02", ok=False)
    assert refused.returncode == 2
    assert refused.stderr.decode().strip().endswith("(or --force --reason TEXT)")
    started = run(script, root, "implement", "WP02", "--force", "--reason", "stubbed WP01")
    assert started.stdout.decode().startswith("WP02 is doing (in_progress) (forced) in ")
    assert log_events(root, slug)[-1]["reason"] == "stubbed WP01"


def test_board_json_and_text(script, planned):
    root, slug = planned
    run(script, root, "implement", "WP01")
    data = run_json(script, root, "board")
    # The machine output carries the canonical lane and its 4-lane CLI name.
    assert [(p["wp_id"], p["lane"], p["cli_lane"]) for p in data["work_packages"]] == [
        ("WP01", "in_progress", "doing"),
        ("WP02", "planned", "planned"),
        ("WP03", "planned", "planned"),
    ]
    # People read the CLI's name, with the canonical lane where it differs.
    text = run(script, root, "board").stdout.decode()
    assert "doing (in_progress): 1\n  WP01  Parse the input" in text
    assert "WP02  Write the output  [deps: WP01 doing (in_progress)]" in text
    assert "\nin_progress" not in text


def test_moves_speak_the_4_lane_names_and_json_carries_both(script, planned):
    root, slug = planned
    moved = run(script, root, "move-task", "WP01", "--to", "claimed").stdout.decode()
    assert moved == "WP01: planned -> doing (claimed)\n"
    data = run_json(script, root, "move-task", "WP01", "--to", "doing")
    assert (data["from_lane"], data["from_cli_lane"]) == ("claimed", "doing")
    assert (data["to_lane"], data["to_cli_lane"]) == ("in_progress", "doing")
    again = run(script, root, "implement", "WP01").stdout.decode()
    assert again.startswith("WP01 is doing (in_progress) in ")
    refused = run(script, root, "review", "WP01", "--approve", ok=False).stderr.decode()
    assert "WP01 is doing (in_progress); review takes a work package in for_review" in refused


def test_queue_backfill_requeues_what_the_queue_missed_once(script, planned, spec_kitty_home):
    root, slug = planned
    queue = spec_kitty_home / "event-queue.db"
    queue.unlink()
    queue.mkdir()  # the queue cannot be opened: moves still succeed, with a warning
    moved = run(script, root, "move-task", "WP03", "--to", "blocked")
    assert b"the next `spec-kitty sync-now` queues and sends them" in moved.stderr
    queue.rmdir()
    assert (spec_kitty_home / "event-outbox.jsonl").exists()
    first = run_json(script, root, "queue-backfill")
    second = run_json(script, root, "queue-backfill")
    # The move's event waited in the outbox; the status log then finds it queued already.
    assert first["outbox"] == {"queued": 1, "already_queued": 0, "kept": 0}
    assert (first["queued"], first["already_queued"]) == (0, 1)
    assert (second["queued"], second["already_queued"]) == (0, 1)
    assert second["outbox"] == {"queued": 0, "already_queued": 0, "kept": 0}
    assert not (spec_kitty_home / "event-outbox.jsonl").exists()


def test_finalize_tasks_refuses_a_cycle_and_leaves_nothing_behind(script, project):
    slug = run_json(script, project, "create-feature", "Loops")["feature"]
    write(project, f"kitty-specs/{slug}/tasks.md", TASKS_MD + "\n## WP04: X\nDepends on: WP04\n")
    done = run(script, project, "finalize-tasks", ok=False)
    assert done.returncode == 2 and b"dependency cycle WP04 -> WP04" in done.stderr
    assert git(project, "status", "--porcelain") == f"?? kitty-specs/{slug}/tasks.md\n"


def test_concurrent_commands_take_turns(planned):
    root, slug = planned
    before = len(commits(root))
    runs = [
        subprocess.Popen(
            [str(VENV_BIN / "spec-kitty"), "move-task", wp, "--to", "blocked", "--note", "wait"],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for wp in ("WP01", "WP02", "WP03")
    ]
    results = [(run.wait(timeout=60), run.stderr.read()) for run in runs]
    assert [code for code, _ in results] == [0, 0, 0], results
    assert sorted(e["wp_id"] for e in log_events(root, slug)) == ["WP01", "WP02", "WP03"]
    assert len(commits(root)) == before + 3
    assert status(root) == ""
