"""One workflow command at a time per repository, each first finishing what a killed one left.

Agents working on several work packages at once run commands concurrently; each reads the
status log, appends to it and commits, so they take turns on a lock file in the git directory
(never tracked, shared by every worktree of the repository).
"""

import functools
from contextlib import contextmanager
from pathlib import Path

from spec_kitty.filelock import file_lock
from spec_kitty.workflow import git, journal
from spec_kitty.workflow.changeset import finish_interrupted

LOCK_NAME = "spec-kitty-workflow.lock"
WAIT_SECONDS = 60.0


@contextmanager
def repository_lock(root: Path, wait: float = WAIT_SECONDS):
    path = git.common_dir(root) / LOCK_NAME
    busy = f"another spec-kitty command has held {path} for {wait:.0f} s; try again when it is done"
    with file_lock(path, wait, busy):
        yield


def exclusive(command):
    """Run `command(root, ...)` holding the repository's workflow lock, once the change of a
    command killed before it is finished. When that was this same call, its result is the
    answer: running a killed command again finishes it rather than doing it a second time."""

    @functools.wraps(command)
    def run(root: Path, *args, **kwargs):
        with repository_lock(root):
            call = journal.describe(command, root, args, kwargs)
            left = finish_interrupted(root)
            if left is not None and left["call"] == call:
                journal.keep_answer(root, left)
                return left["result"]
            if left is not None:
                journal.clear(root)  # another command's change, made: nothing to answer
            with journal.running(call):
                return command(root, *args, **kwargs)

    return run
