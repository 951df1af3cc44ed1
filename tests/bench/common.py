"""Helpers shared by the benchmarks: isolated homes, event files, timing whole processes."""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# The helpers and event builders of the tests (tests/kitty_testing.py, tests/factories.py) serve
# the benchmarks too.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from kitty_testing import VENV_BIN, dashboard_in_background  # noqa: E402, F401 (for the benchmarks)


def compile_toolkit() -> None:
    """Bytecode for every module of the toolkit and its scripts, as installing it leaves it.

    Measured is the toolkit as a user's `pip install` leaves it: pip compiles every module at
    install time. An editable checkout never does, and with PYTHONDONTWRITEBYTECODE set (or
    under invoke, which turns writing bytecode off) no process caches what it compiled, so every
    command would be timed recompiling its modules from source. Up-to-date files are skipped,
    so calling this before each benchmark costs little.
    """
    import compileall

    import spec_kitty
    import spec_kitty_bin

    for package in (spec_kitty, spec_kitty_bin):
        folder = Path(package.__file__).parent
        if not compileall.compile_dir(folder, quiet=1):
            raise RuntimeError(f"cannot compile {folder}")


def isolated_env(root: Path) -> dict:
    home = root / "home"
    home.mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "HOME": str(home),
        "SPEC_KITTY_HOME": str(home / ".spec-kitty"),
        "KITTIFY_HOME": str(home / ".kittify"),
    }


def git_identity(env: dict) -> dict:
    """`env` with the author and committer the benchmarks' repositories record, so git commits
    whatever the machine's own git configuration says."""
    for who in ("AUTHOR", "COMMITTER"):
        env[f"GIT_{who}_NAME"] = "Bench Kitty"
        env[f"GIT_{who}_EMAIL"] = "bench@example.test"
    return env


def scratch() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="spec-kitty-bench-")


def write_events(path: Path, count: int) -> Path:
    """`count` full WPStatusChanged envelopes, one per line, with canonical lanes, in time order."""
    from datetime import UTC, datetime, timedelta

    from factories import status_event

    lanes = ("planned", "claimed", "in_progress", "for_review", "done")
    start = datetime(2026, 11, 24, 10, tzinfo=UTC)
    with open(path, "w") as out:
        for i in range(count):
            event = status_event(
                wp=f"WP{i % 90 + 10:02d}",
                from_lane=lanes[i % 4],
                to_lane=lanes[i % 4 + 1],
                at=start + timedelta(microseconds=i),
                lamport_clock=i + 1,
            )
            out.write(json.dumps(event, separators=(",", ":")) + "\n")
    return path


def timed(argv: list[str], env: dict, stdin=None, cwd=None) -> float:
    """Wall seconds of one whole process, output discarded; fails loudly if it fails."""
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdin=stdin, stdout=subprocess.DEVNULL, check=True, cwd=cwd)
    return time.perf_counter() - start


def best_of(times: int, measure) -> float:
    return min(measure() for _ in range(times))
