"""Workflow commands SIGKILLed mid-way (the whole process group, git included).

Random rounds kill create-feature, finalize-tasks and move-task at seeded moments; afterwards the
repository holds no half-written file, the status log reads, HEAD either has the command's whole
commit or none of it, and the user can carry on: a git lock the kill left behind is named by the
next command, and once removed the command runs again (or says it was already done).
Deterministic rounds kill a command at its commit, from a git hook, to pin down what is left.
"""

import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
from faults_support import VENV_BIN, git, spec_kitty

TASKS_MD = "## WP01: One\n- [ ] T001 First\n\n## WP02: Two\nDepends on: WP01\n- [ ] T002 Next\n"
ROUNDS = 7


def project(tmp_path: Path, stage: str) -> Path:
    """A fresh spec-kitty project, brought to just before `stage`'s command (in this process,
    which is quicker than running each command)."""
    from spec_kitty.workflow.features import load_feature
    from spec_kitty.workflow.init import init_project
    from spec_kitty.workflow.planning import create_feature, finalize_tasks, setup_plan

    root = tmp_path / f"repo-{time.monotonic_ns()}"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "commit", "-q", "--allow-empty", "-m", "initial commit")
    init_project(root)
    if stage == "create-feature":
        return root
    slug = create_feature(root, "Checkout flow", None)["feature"]
    setup_plan(root, load_feature(root, slug))
    (root / "kitty-specs" / slug / "tasks.md").write_text(TASKS_MD)
    if stage == "move-task":
        finalize_tasks(root, load_feature(root, slug))
    return root


COMMANDS = {
    "create-feature": ["create-feature", "Checkout flow"],
    "finalize-tasks": ["finalize-tasks"],
    "move-task": ["move-task", "WP01", "--to", "claimed"],
}


def killed(root: Path, command: list[str], delay: float) -> int:
    process = subprocess.Popen(
        [str(VENV_BIN / "spec-kitty"), *command],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    time.sleep(delay)
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.communicate(timeout=30)
    return process.returncode


def git_locks(root: Path) -> list[Path]:
    """Lock files a killed git left behind (the workflow's own lock is always there)."""
    return [p for p in (root / ".git").rglob("*.lock") if p.name != "spec-kitty-workflow.lock"]


def check_readable(root: Path, complete: bool = True) -> None:
    """Every feature loads: meta.json, tasks.md, WP files and the status log all read. Right
    after a kill (`complete` False) a new feature may have its spec.md and no meta.json yet."""
    from spec_kitty.workflow.features import feature_slugs, load_feature
    from spec_kitty.workflow.state import load_state
    from spec_kitty.workflow.status_log import read_log

    for slug in feature_slugs(root):
        feature = load_feature(root, slug)
        if complete or (feature.directory / "meta.json").exists():
            json.loads((feature.directory / "meta.json").read_text())
        read_log(feature.log_path)
        if (feature.directory / "tasks.md").exists():
            load_state(feature)


@pytest.mark.slow
@pytest.mark.parametrize("stage", list(COMMANDS))
def test_a_killed_workflow_command_leaves_nothing_broken(tmp_path, stage):
    rng = random.Random(stage)
    outcomes: dict[str, int] = {}
    for _ in range(ROUNDS):
        root = project(tmp_path, stage)
        head = git(root, "rev-parse", "HEAD").strip()
        code = killed(root, COMMANDS[stage], rng.uniform(0.03, 0.2))

        check_readable(root, complete=False)
        changes = git(root, "status", "--porcelain", "--untracked-files=all")
        # A kill between writing a temporary file and renaming it into place may leave the
        # temporary beside it (never a partial file under a real name: check_readable); the next
        # command removes it, as the clean status at the end shows.
        moved = git(root, "rev-parse", "HEAD").strip() != head
        if moved:
            # The commit is the command's whole change, never a part of it.
            assert changes == "" and git(root, "rev-list", "--count", f"{head}..HEAD") == "1\n"
        locks = git_locks(root)
        again = spec_kitty(root, *COMMANDS[stage])
        assert b"Traceback" not in again.stderr
        if locks:
            # A git killed mid-way leaves its lock: a command that reaches git names it.
            assert again.returncode == 2
            named = [lock for lock in locks if str(lock).encode() in again.stderr]
            assert named or b"already in claimed" in again.stderr, again.stderr
            for lock in locks:
                lock.unlink()  # as git's message says
            again = spec_kitty(root, *COMMANDS[stage])
        assert again.returncode == 0 or b"already in claimed" in again.stderr, again.stderr
        if again.returncode != 0:
            # The killed move is logged but not committed: the next move commits both.
            onward = spec_kitty(root, "move-task", "WP01", "--to", "in_progress")
            assert onward.returncode == 0, onward.stderr
        check_readable(root)
        assert git(root, "status", "--porcelain", "--untracked-files=all") == ""
        if stage == "create-feature" and not moved:
            # Run again, an interrupted create-feature finishes its own feature, not a second.
            made = sorted(p.name for p in (root / "kitty-specs").iterdir())
            assert made == ["001-checkout-flow"], (made, changes, code)
        kind = (
            "finished"
            if code == 0
            else "committed"
            if moved
            else "uncommitted"
            if changes
            else "prior"
        )
        outcomes[kind] = outcomes.get(kind, 0) + 1
    print(f"{stage}: {outcomes}")


def run_alone(root: Path, command: list[str]) -> int:
    """Run `command` in a process group of its own (which a kill_at_commit hook ends)."""
    done = subprocess.run(
        [str(VENV_BIN / "spec-kitty"), *command],
        cwd=root,
        capture_output=True,
        start_new_session=True,
        timeout=60,
    )
    return done.returncode


def kill_at_commit(root: Path) -> Path:
    """A pre-commit hook that SIGKILLs its whole process group: the command dies at its commit."""
    hook = root / ".git" / "hooks" / "pre-commit"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text("#!/bin/sh\nkill -KILL 0\n")
    hook.chmod(0o755)
    return hook


def test_move_task_killed_at_its_commit_is_completed_by_the_next_move_and_backfill(tmp_path):
    from spec_kitty.workflow.status_log import read_log

    root = project(tmp_path, "move-task")
    hook = kill_at_commit(root)
    log = root / "kitty-specs/001-checkout-flow/status.events.jsonl"

    assert run_alone(root, COMMANDS["move-task"]) == -signal.SIGKILL
    hook.unlink()
    (root / ".git" / "index.lock").unlink(missing_ok=True)
    [claimed] = read_log(log)
    assert claimed["to_lane"] == "claimed"

    again = spec_kitty(root, "move-task", "WP01", "--to", "claimed")
    assert again.returncode == 2 and b"already in claimed" in again.stderr
    onward = spec_kitty(root, "move-task", "WP01", "--to", "in_progress")
    assert onward.returncode == 0, onward.stderr
    assert git(root, "status", "--porcelain") == ""
    assert [e["to_lane"] for e in read_log(log)] == ["claimed", "in_progress"]
    # The killed command never queued its status change; queue-backfill finds it in the log.
    backfill = spec_kitty(root, "queue-backfill", "--json")
    assert backfill.returncode == 0, backfill.stderr
    assert json.loads(backfill.stdout)["queued"] == 1
    from spec_kitty.queue.store import Queue

    with Queue() as queue:
        queued = [json.loads(text)["event_id"] for text in queue.export()]
    assert claimed["event_id"] in queued


def test_create_feature_killed_at_its_commit_is_completed_by_running_it_again(tmp_path):
    root = project(tmp_path, "create-feature")
    hook = kill_at_commit(root)

    assert run_alone(root, COMMANDS["create-feature"]) == -signal.SIGKILL
    hook.unlink()
    (root / ".git" / "index.lock").unlink(missing_ok=True)
    again = spec_kitty(root, *COMMANDS["create-feature"])

    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in (root / "kitty-specs").iterdir()) == ["001-checkout-flow"]
    assert git(root, "status", "--porcelain", "--untracked-files=all") == ""
    assert git(root, "log", "-1", "--format=%s") == (
        "Create feature 001-checkout-flow: spec.md and meta.json\n"
    )
    from spec_kitty.queue.store import Queue

    with Queue() as queue:
        types = [json.loads(text)["event_type"] for text in queue.export()]
    assert types.count("FeatureCreated") == 1


def test_a_feature_left_with_its_spec_only_is_finished_keeping_the_spec(tmp_path):
    from spec_kitty.workflow.planning import create_feature

    root = project(tmp_path, "create-feature")
    spec = root / "kitty-specs" / "001-checkout-flow" / "spec.md"
    spec.parent.mkdir(parents=True)
    spec.write_text("# Checkout flow\n\nWritten before the kill, edited since.\n")

    made = create_feature(root, "Checkout flow", None)

    assert made["feature"] == "001-checkout-flow" and made["committed"] is True
    assert spec.read_text().endswith("edited since.\n")
    meta = json.loads((spec.parent / "meta.json").read_text())
    assert (meta["feature_slug"], meta["target_branch"]) == ("001-checkout-flow", "main")
    assert git(root, "status", "--porcelain", "--untracked-files=all") == ""
    # Once committed, the same name again is a new feature.
    assert create_feature(root, "Checkout flow", None)["feature"] == "002-checkout-flow"


# move-task in a process that SIGKILLs itself the moment it would write the status snapshot: the
# log has the move, the snapshot does not.
DIE_AT_SNAPSHOT = """
import os, signal, sys
from spec_kitty.workflow import changeset
from spec_kitty.tasks.program import main

replace = changeset.replace_file

def replace_or_die(path, data, **options):
    if path.name == "status.json":
        os.kill(os.getpid(), signal.SIGKILL)
    replace(path, data, **options)

changeset.replace_file = replace_or_die
sys.argv = ["spec-kitty", *sys.argv[1:]]
main()
"""


def test_move_task_killed_between_the_log_and_its_snapshot_loses_nothing(tmp_path):
    from spec_kitty.workflow.status_log import read_log
    from spec_kitty.workflow.status_snapshot import read_status

    root = project(tmp_path, "move-task")
    directory = root / "kitty-specs/001-checkout-flow"
    assert spec_kitty(root, "move-task", "WP01", "--to", "claimed").returncode == 0
    snapshot_before = (directory / "status.json").read_bytes()

    killed = subprocess.run(
        [str(VENV_BIN / "python"), "-c", DIE_AT_SNAPSHOT, "move-task", "WP01", "--to", "planned"],
        cwd=root,
        capture_output=True,
        timeout=60,
    )

    assert killed.returncode == -signal.SIGKILL
    log = directory / "status.events.jsonl"
    assert [e["to_lane"] for e in read_log(log)] == ["claimed", "planned"]
    assert (directory / "status.json").read_bytes() == snapshot_before  # covers less than the log
    board = spec_kitty(root, "board", "--json")
    assert board.returncode == 0, board.stderr
    assert json.loads(board.stdout)["work_packages"][0]["lane"] == "planned"
    onward = spec_kitty(root, "move-task", "WP01", "--to", "blocked")
    assert onward.returncode == 0, onward.stderr
    assert git(root, "status", "--porcelain", "--untracked-files=all") == ""
    status = read_status(log)
    assert status.lanes() == {"WP01": "blocked"} and status.event_count == 3
    snapshot = json.loads((directory / "status.json").read_text())
    assert snapshot["log_coverage"]["bytes"] == log.stat().st_size
    assert snapshot["work_packages"]["WP01"]["lane"] == "blocked"
