"""History figures: `board`, `move-task` and the dashboard's `/api/board` on a feature whose
status log holds 100,000 transitions, each beside the same command on a fresh feature of the
same work packages in the same repository, so the ratio shows what the history costs."""

import json
import statistics
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
from common import (
    VENV_BIN,
    compile_toolkit,
    dashboard_in_background,
    git_identity,
    isolated_env,
    scratch,
)

TRANSITIONS = 100_000
ROUNDS = 7
WORK_PACKAGES = 5
TASKS_MD = "".join(
    f"## WP{n:02d}: Work package {n}\nDepends on: none\n\n- [ ] T{n:03d} Do part {n}\n\n"
    for n in range(1, WORK_PACKAGES + 1)
)
# One review round a work package goes through, again and again: its lanes, in order.
CYCLE = ("planned", "claimed", "in_progress", "for_review", "planned")
KITTY = str(VENV_BIN / "spec-kitty")
FRESH, LONG = "001", "002"


def run() -> list[dict]:
    compile_toolkit()
    with scratch() as tmp:
        root = Path(tmp)
        env = git_identity(isolated_env(root))
        repo = build_project(root / "repo", env)
        board = _pair(lambda feature: _board(repo, env, feature))
        move = _pair(lambda feature: _move(repo, env, feature))
        uncommitted = _pair(lambda feature: _move(repo, env, feature, "--no-commit"))
        api = _api_board(repo, env)
    rows = []
    for name, (fresh, long) in (
        (f"board, {TRANSITIONS:,}-transition feature", board),
        (f"move-task (with its commit), {TRANSITIONS:,}-transition feature", move),
        (f"move-task --no-commit, {TRANSITIONS:,}-transition feature", uncommitted),
        (f"GET /api/board after a move, {TRANSITIONS:,}-transition feature", api),
    ):
        rows.append(_row(f"{name} (median of {ROUNDS})", long * 1000, "ms", ""))
        rows.append(_row(f"{name}: ratio to a fresh feature", long / fresh, "x", "<= 1.5x"))
    return rows


def _row(figure: str, value: float, unit: str, target: str) -> dict:
    return {"figure": figure, "value": value, "unit": unit, "target": target}


def build_project(repo: Path, env: dict) -> Path:
    """A project with two features of the same work packages: 001 fresh, 002 with a status log
    of TRANSITIONS transitions (committed, as the workflow leaves it)."""
    repo.mkdir(parents=True)
    for argv in (
        ["git", "init", "-q", "-b", "main"],
        ["git", "commit", "-q", "--allow-empty", "-m", "start"],
        [KITTY, "init"],
    ):
        subprocess.run(argv, cwd=repo, env=env, check=True, capture_output=True)
    for name in ("Fresh", "Long history"):
        subprocess.run([KITTY, "create-feature", name], cwd=repo, env=env, check=True)
        slug = next((repo / "kitty-specs").glob(f"*-{name.lower().replace(' ', '-')}")).name
        (repo / "kitty-specs" / slug / "tasks.md").write_text(TASKS_MD)
        subprocess.run(
            [KITTY, "finalize-tasks", "--feature", slug],
            cwd=repo,
            env=env,
            check=True,
            capture_output=True,
        )
    slug = next((repo / "kitty-specs").glob(f"{LONG}-*")).name
    _write_history(repo / "kitty-specs" / slug / "status.events.jsonl", slug, env)
    # One move through the toolkit, so the log is left as the workflow leaves it.
    _move(repo, env, LONG)
    return repo


def _write_history(path: Path, slug: str, env: dict) -> None:
    """TRANSITIONS moves in the shape the workflow logs them: every work package through review
    rounds, each ending back in planned."""
    from spec_kitty.workflow.status_log import status_event

    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    steps = len(CYCLE) - 1
    with open(path, "w") as out:
        for i in range(TRANSITIONS):
            wp = f"WP{(i // steps) % WORK_PACKAGES + 1:02d}"
            step = i % steps
            event = status_event(wp, slug, CYCLE[step], CYCLE[step + 1], "claude")
            event["at"] = (start + timedelta(seconds=i)).isoformat()
            if CYCLE[step + 1] == "planned":
                event["review_ref"] = f"kitty-specs/{slug}/tasks/{wp}.md#review-feedback"
                event["reason"] = "changes requested: see Review Feedback"
            out.write(json.dumps(event, sort_keys=True, ensure_ascii=False) + "\n")
    for argv in (["git", "add", "-A"], ["git", "commit", "-q", "-m", "history"]):
        subprocess.run(argv, cwd=path.parent, env=env, check=True)


def _pair(measure) -> tuple[float, float]:
    """Medians for the fresh feature and the long one, measured in turns (so a busy moment of
    the machine falls on both)."""
    measure(FRESH), measure(LONG)  # warm-up
    fresh, long = [], []
    for _ in range(ROUNDS):
        fresh.append(measure(FRESH))
        long.append(measure(LONG))
    return statistics.median(fresh), statistics.median(long)


def _board(repo: Path, env: dict, feature: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [KITTY, "board", "--feature", feature], cwd=repo, env=env, check=True, capture_output=True
    )
    return time.perf_counter() - start


_MOVES = {}


def _move(repo: Path, env: dict, feature: str, *flags: str) -> float:
    """One move of WP01 between planned and blocked, which no guard stops."""
    to = _MOVES[feature] = "planned" if _MOVES.get(feature) == "blocked" else "blocked"
    start = time.perf_counter()
    subprocess.run(
        [KITTY, "move-task", "WP01", "--to", to, "--feature", feature, *flags],
        cwd=repo,
        env=env,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def _api_board(repo: Path, env: dict) -> tuple[float, float]:
    """/api/board right after a move of each feature (the moved feature is read again)."""
    session = requests.Session()
    with dashboard_in_background(repo, env) as info:
        base = f"http://127.0.0.1:{info['port']}"

        def after_move(feature: str) -> float:
            _move(repo, env, feature)
            start = time.perf_counter()
            session.get(base + "/api/board", timeout=30).raise_for_status()
            return time.perf_counter() - start

        session.get(base + "/api/board", timeout=30).raise_for_status()
        return _pair(after_move)


if __name__ == "__main__":
    from run import table

    print(table(run()))
