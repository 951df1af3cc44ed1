"""Helpers of the workflow tests: git, the queue, and writing files in a repository."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

VENV_BIN = Path(sys.executable).parent


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


def commits(root: Path) -> list[str]:
    """Commit subjects, newest first."""
    return git(root, "log", "--format=%s").splitlines()


def committed_files(root: Path, ref: str = "HEAD") -> set[str]:
    return set(git(root, "show", "--name-only", "--format=", ref).split())


def status(root: Path) -> str:
    return git(root, "status", "--porcelain", "--untracked-files=all")


def queued(event_type: str | None = None) -> list[dict]:
    """The events waiting in the (test-isolated) sync queue."""
    from spec_kitty.queue.store import Queue, queue_path

    if not queue_path().exists():
        return []
    with Queue() as queue:
        events = [json.loads(text) for text in queue.export()]
    return [e for e in events if event_type is None or e["event_type"] == event_type]


def write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def log_events(root: Path, slug: str) -> list[dict]:
    path = root / "kitty-specs" / slug / "status.events.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


TASKS_MD = """
# Work Packages

## WP01: Parse the input
- [ ] T001 Read the file
- [ ] T002 Report bad lines

## WP02: Write the output
- [ ] T003 Write it
Depends on: WP01

## WP03: Document it
- [ ] T004 Write the guide
Depends on: WP01, WP02
"""
