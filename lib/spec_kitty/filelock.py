"""Exclusive advisory locks on a lock file, for read-modify-write of files shared by processes."""

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from spec_kitty.jsonl import EXIT_STORAGE, ScriptError
from spec_kitty.private_files import open_unlinked


@contextmanager
def file_lock(path: Path, wait: float | None = None, busy: str | None = None) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created owner-only if missing, never through a link).

    With `wait` None it waits as long as it takes; otherwise it gives up after `wait` seconds with
    a ScriptError (exit 5) saying `busy`.
    """
    fd = open_unlinked(path)
    try:
        if wait is None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        else:
            _wait_for(fd, wait, busy or f"{path} is locked by another process")
        yield
    finally:
        os.close(fd)


def _wait_for(fd: int, wait: float, busy: str) -> None:
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise ScriptError(busy, EXIT_STORAGE) from None
            time.sleep(0.02)
