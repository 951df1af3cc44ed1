"""Helpers of the workflow tests: git, the queue, and writing files in a repository."""

import json
from pathlib import Path

# Shared with the other test folders; imported from here by the workflow tests.
from kitty_testing import (  # noqa: F401
    VENV_BIN,
    commits,
    committed_files,
    git,
    queued,
    status,
    worktree,
    write,
)


def log_events(root: Path, slug: str) -> list[dict]:
    path = root / "kitty-specs" / slug / "status.events.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def work_in(root: Path, slug: str, wp: str, name: str = "work.txt") -> None:
    """Commit something on the WP's branch, in its worktree."""
    tree = worktree(root, slug, wp)
    (tree / name).write_text("done\n")
    git(tree, "add", name)
    git(tree, "commit", "-q", "-m", f"{wp} work")


def complete(root: Path, slug: str, wp: str) -> None:
    """Take a work package to done as users do: implement, commit, review, approve, merge."""
    from spec_kitty.workflow.execution import implement, move_task, review
    from spec_kitty.workflow.features import load_feature

    implement(root, load_feature(root, slug), wp, "claude")
    work_in(root, slug, wp, f"{wp}.txt")
    move_task(root, load_feature(root, slug), wp, "for_review", "claude")
    review(root, load_feature(root, slug), wp, "reviewer", approve=True)
    git(root, "merge", "-q", "--no-edit", f"{slug}-{wp}")


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
