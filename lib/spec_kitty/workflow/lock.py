"""One workflow command at a time per repository.

Agents working on several work packages at once run commands concurrently; each reads the
status log, appends to it and commits, so they take turns on a lock file in the git directory
(never tracked, shared by every worktree of the repository).
"""

import fcntl
import functools
import time
from contextlib import contextmanager
from pathlib import Path

from spec_kitty.jsonl import EXIT_STORAGE, ScriptError
from spec_kitty.workflow import git

LOCK_NAME = "spec-kitty-workflow.lock"
WAIT_SECONDS = 60.0


@contextmanager
def repository_lock(root: Path, wait: float = WAIT_SECONDS):
    common = git.common_dir(root)
    with open(common / LOCK_NAME, "a") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise ScriptError(
                        f"another spec-kitty command has held {common / LOCK_NAME} for "
                        f"{wait:.0f} s; try again when it has finished",
                        EXIT_STORAGE,
                    ) from None
                time.sleep(0.02)
        yield


def exclusive(command):
    """Run `command(root, ...)` holding the repository's workflow lock."""

    @functools.wraps(command)
    def run(root: Path, *args, **kwargs):
        with repository_lock(root):
            return command(root, *args, **kwargs)

    return run
