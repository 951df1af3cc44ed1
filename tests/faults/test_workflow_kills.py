"""Workflow commands SIGKILLed at any moment, and inside a slow git hook.

Every workflow command, run again after a kill, finishes what the killed run started: the
repository then holds the command's whole change in exactly one commit and nothing half-written,
and each event the command emits is queued exactly once, under the id the killed run gave it. A
git lock the kill left behind is named by the next command with what to do; once it is removed
the command finishes.

Seeded rounds kill each command (with its git) at a random moment of its run, or of its change
once it has journaled it, and sometimes the run that finishes it too. Deterministic tests kill it
inside a pre-commit hook: spec-kitty alone, while its git goes on to make the commit by itself,
and the whole process group, git included.
"""

import json
import os
import random
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from faults_support import VENV_BIN, git, spec_kitty
from kitty_testing import commits, committed_files, queued, status, worktree

SLUG = "001-checkout-flow"
TASKS_MD = "## WP01: One\n- [ ] T001 First\n\n## WP02: Two\nDepends on: WP01\n- [ ] T002 Next\n"
ROUNDS = 3


# Each command: how it is run, the commit it makes, and the events it queues.
COMMANDS = {
    "init": (["init"], "Make this repository a spec-kitty project", {}),
    "create-feature": (
        ["create-feature", "Checkout flow"],
        f"Create feature {SLUG}: spec.md and meta.json",
        {"FeatureCreated": 1, "FeatureArtifactCreated": 1},
    ),
    "setup-plan": (["setup-plan"], f"Plan feature {SLUG}: plan.md", {"FeatureArtifactCreated": 1}),
    "finalize-tasks": (
        ["finalize-tasks"],
        f"Finalize tasks of {SLUG}: 2 new work package file(s)",
        {"FeatureArtifactCreated": 1, "WPCreated": 2},
    ),
    "implement": (
        ["implement", "WP01"],
        f"{SLUG} WP01: start implementation",
        {"WPStatusChanged": 2, "WPAssigned": 1},
    ),
    "move-task": (
        ["move-task", "WP01", "--to", "claimed"],
        f"{SLUG} WP01: planned -> claimed",
        {"WPStatusChanged": 1},
    ),
    "review": (
        ["review", "WP01", "--approve"],
        f"{SLUG} WP01: review approved",
        {"WPAssigned": 1, "WPStatusChanged": 1, "HistoryAdded": 1, "DependencyResolved": 1},
    ),
}


def project(tmp_path: Path, stage: str) -> Path:
    """A fresh repository brought to just before `stage`'s command (in this process, which is
    quicker than running each command)."""
    from spec_kitty.workflow.execution import implement, move_task
    from spec_kitty.workflow.features import load_feature
    from spec_kitty.workflow.init import init_project
    from spec_kitty.workflow.planning import create_feature, finalize_tasks, setup_plan

    root = tmp_path / f"repo-{time.monotonic_ns()}"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "commit", "-q", "--allow-empty", "-m", "initial commit")
    if stage == "init":
        return root
    init_project(root)
    if stage == "create-feature":
        return root
    create_feature(root, "Checkout flow", None)
    if stage == "setup-plan":
        return root
    setup_plan(root, load_feature(root, SLUG))
    (root / "kitty-specs" / SLUG / "tasks.md").write_text(TASKS_MD)
    if stage == "finalize-tasks":
        return root
    finalize_tasks(root, load_feature(root, SLUG))
    if stage in ("implement", "move-task"):
        return root  # WP01 planned
    implement(root, load_feature(root, SLUG), "WP01", "agent")
    git(worktree(root, SLUG, "WP01"), "commit", "-q", "--allow-empty", "-m", "Work")
    move_task(root, load_feature(root, SLUG), "WP01", "for_review", "agent")
    return root


class Before:
    """What the repository and the queue held before the command, to compare with after."""

    def __init__(self, root: Path):
        self.head = git(root, "rev-parse", "HEAD").strip()
        self.queued = {event["event_id"] for event in queued()}
        self.logged = {event["event_id"] for event in log_events(root)}


def log_events(root: Path) -> list[dict]:
    from spec_kitty.workflow.status_log import read_log

    return read_log(root / "kitty-specs" / SLUG / "status.events.jsonl")


def check_finished_once(root: Path, stage: str, before: Before) -> None:
    """The command's change is committed once and whole, and its events are queued once."""
    _argv, subject, events = COMMANDS[stage]
    assert status(root) == ""
    made = git(root, "log", "--format=%s", f"{before.head}..HEAD").splitlines()
    assert made == [subject], made
    new = [event for event in queued() if event["event_id"] not in before.queued]
    assert Counter(event["event_type"] for event in new) == Counter(events)
    # A status change is queued under the id the status log gave it, and logged once.
    logged = [event for event in log_events(root) if event["event_id"] not in before.logged]
    changed = {e["event_id"] for e in new if e["event_type"] == "WPStatusChanged"}
    assert {event["event_id"] for event in logged} == changed
    assert len(logged) == events.get("WPStatusChanged", 0)
    if stage in ("init", "create-feature"):
        # Run again, an interrupted create-feature finishes its own feature, not a second.
        features = root / "kitty-specs"
        made = sorted(p.name for p in features.iterdir()) if features.exists() else []
        assert made == ([] if stage == "init" else [SLUG])


def git_locks(root: Path) -> list[Path]:
    """Lock files a killed git left behind (the workflow's own lock is always there)."""
    return [p for p in (root / ".git").rglob("*.lock") if p.name != "spec-kitty-workflow.lock"]


def start(root: Path, argv: list[str]) -> subprocess.Popen:
    return subprocess.Popen(
        [str(VENV_BIN / "spec-kitty"), *argv],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def kill_group(process: subprocess.Popen) -> bool:
    """Kill the command with its git; whether it had answered by then (a kill as Python shuts
    down, after the answer is out, does not make the command unfinished)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    out, _err = process.communicate(timeout=30)
    return process.returncode == 0 or bool(out)


def run_again(root: Path, argv: list[str]) -> subprocess.CompletedProcess:
    """The command run again; a git lock the kill left is named first, then removed by hand."""
    again = spec_kitty(root, *argv)
    assert b"Traceback" not in again.stderr
    locks = git_locks(root)
    if again.returncode != 0 and locks:
        assert again.returncode == 2, again.stderr
        assert any(str(lock).encode() in again.stderr for lock in locks), again.stderr
        assert b"remove" in again.stderr
        for lock in locks:
            lock.unlink()  # as the message says
        again = spec_kitty(root, *argv)
    assert again.returncode == 0, again.stderr
    return again


def check_readable(root: Path) -> None:
    """Every feature loads: meta.json, tasks.md, WP files and the status log all read."""
    from spec_kitty.workflow.features import feature_slugs, load_feature
    from spec_kitty.workflow.state import load_state

    for slug in feature_slugs(root):
        feature = load_feature(root, slug)
        json.loads((feature.directory / "meta.json").read_text())
        load_state(feature)


def run_time(tmp_path: Path, stage: str) -> float:
    """How long the command takes here and now, start-up included."""
    root = project(tmp_path, stage)
    began = time.monotonic()
    assert spec_kitty(root, *COMMANDS[stage][0]).returncode == 0
    return time.monotonic() - began


@pytest.mark.slow
@pytest.mark.parametrize("stage", list(COMMANDS))
def test_a_killed_workflow_command_is_finished_by_running_it_again(tmp_path, stage):
    rng = random.Random(stage)
    took = run_time(tmp_path, stage)
    argv = COMMANDS[stage][0]
    outcomes: Counter = Counter()
    for round_ in range(ROUNDS):
        root = project(tmp_path, stage)
        before = Before(root)
        process = start(root, argv)
        if round_ % 2 == 0:
            # Anywhere in the change: once its journal is written, within what follows (the
            # files, the status log, a worktree, the commit, the queue).
            wait_for_journal(root, process)
            time.sleep(rng.uniform(0, 0.05))
        else:
            # Anywhere in the run, most of which is Python starting up.
            time.sleep(rng.uniform(0.4, 1.0) * took)
        answered = kill_group(process)
        if answered:
            outcomes["answered before the kill"] += 1
        else:
            journaled = journal(root).exists()
            outcomes["killed mid-change" if journaled else "killed before changing"] += 1
            rerun_answered = False
            if journaled and rng.random() < 0.5:
                # The run that finishes it is killed too, and finished in turn.
                rerun = start(root, argv)
                time.sleep(rng.uniform(0.4, 1.0) * took)
                rerun_answered = kill_group(rerun)
                outcomes["its rerun killed too"] += not rerun_answered
            if not rerun_answered:
                run_again(root, argv)
        check_readable(root)
        check_finished_once(root, stage, before)
    print(f"{stage}: {dict(outcomes)}")


def journal(root: Path) -> Path:
    return root / ".git" / "spec-kitty-journal.json"


def wait_for_journal(root: Path, process: subprocess.Popen) -> None:
    """Until the command has journaled its change (or ended without one)."""
    wait_for(lambda: journal(root).exists() or process.poll() is not None)


def gated_hook(root: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A pre-commit hook that says it started, then waits (at most 30 s) for its gate to open."""
    started, gate = tmp_path / f"hook-started-{root.name}", tmp_path / f"gate-{root.name}"
    hook = root / ".git" / "hooks" / "pre-commit"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text(
        f"#!/bin/sh\ntouch '{started}'\ni=0\n"
        f"while [ ! -e '{gate}' ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done\n"
    )
    hook.chmod(0o755)
    return started, gate


def held_in_a_slow_hook(tmp_path: Path, stage: str):
    """The command of `stage` started on its project and held inside its git's pre-commit hook
    until the gate opens: (root, the project as it was before, the process, the gate)."""
    root = project(tmp_path, stage)
    before = Before(root)
    started, gate = gated_hook(root, tmp_path)
    process = start(root, COMMANDS[stage][0])
    wait_for(started.exists)
    return root, before, process, gate


def wait_for(condition, limit: float = 30.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


@pytest.mark.slow
@pytest.mark.parametrize("stage", list(COMMANDS))
def test_killed_in_a_slow_hook_while_its_git_commits_on(tmp_path, stage):
    argv, subject, _events = COMMANDS[stage]
    root, before, process, gate = held_in_a_slow_hook(tmp_path, stage)

    process.kill()  # spec-kitty alone: its git commit goes on in the hook
    process.communicate(timeout=30)
    busy = spec_kitty(root, *argv)
    assert busy.returncode == 2, busy.stderr
    message = busy.stderr.decode()
    assert "another git command is running" in message and "index.lock" in message, message

    gate.touch()
    wait_for(lambda: subject in commits(root) and not git_locks(root))
    again = spec_kitty(root, *argv)

    assert again.returncode == 0, again.stderr
    assert b"finished what an interrupted command started" in again.stderr
    check_finished_once(root, stage, before)


@pytest.mark.slow
@pytest.mark.parametrize("stage", ["create-feature", "implement"])
def test_killed_in_a_slow_hook_with_its_git(tmp_path, stage):
    argv, subject, _events = COMMANDS[stage]
    root, before, process, gate = held_in_a_slow_hook(tmp_path, stage)
    kill_group(process)
    gate.touch()

    run_again(root, argv)

    check_finished_once(root, stage, before)
    if stage == "implement":
        # The status files are in the command's own commit, not swept into the next one.
        head = committed_files(root)
        assert {f"kitty-specs/{SLUG}/status.events.jsonl"} <= head
        assert any(path.startswith(f"kitty-specs/{SLUG}/tasks/WP01") for path in head)


def test_a_change_left_for_another_branch_names_the_checkout_to_make(tmp_path):
    argv, _subject, _events = COMMANDS["move-task"]
    root, before, process, gate = held_in_a_slow_hook(tmp_path, "move-task")
    kill_group(process)
    gate.touch()
    for lock in git_locks(root):
        lock.unlink()
    git(root, "checkout", "-q", "-b", "elsewhere")

    refused = spec_kitty(root, *argv)
    assert refused.returncode == 2
    assert b"commits to main, but elsewhere is checked out; run `git checkout main`" in (
        refused.stderr
    )
    git(root, "checkout", "-q", "main")
    assert spec_kitty(root, *argv).returncode == 0
    check_finished_once(root, "move-task", before)


def test_a_feature_left_with_its_spec_only_is_finished_keeping_the_spec(tmp_path):
    from spec_kitty.workflow.planning import create_feature

    root = project(tmp_path, "create-feature")
    spec = root / "kitty-specs" / SLUG / "spec.md"
    spec.parent.mkdir(parents=True)
    spec.write_text("# Checkout flow\n\nWritten by hand before the command.\n")

    made = create_feature(root, "Checkout flow", None)

    assert made["feature"] == SLUG and made["committed"] is True
    assert spec.read_text().endswith("before the command.\n")
    meta = json.loads((spec.parent / "meta.json").read_text())
    assert (meta["feature_slug"], meta["target_branch"]) == (SLUG, "main")
    assert status(root) == ""
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
