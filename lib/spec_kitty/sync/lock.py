"""One sync at a time: an advisory lock on `$SPEC_KITTY_HOME/sync.lock` holding the owner's pid.

The lock lives as long as any process holding its file descriptor, so the stages of a sync keep it
even if the process that started them is gone.
"""

import fcntl
import os
from pathlib import Path

from spec_kitty.homes import ensure_private_dir, spec_kitty_home
from spec_kitty.jsonl import EXIT_STORAGE, ScriptError
from spec_kitty.private_files import open_unlinked

LOCK_FILE = "sync.lock"


class SyncLock:
    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path else spec_kitty_home() / LOCK_FILE
        self.fd: int | None = None

    def __enter__(self) -> "SyncLock":
        ensure_private_dir(self.path.parent)
        fd = open_unlinked(self.path)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise ScriptError(
                f"another sync is running (pid {holder}, lock {self.path}); "
                "wait for it to finish, then sync again",
                EXIT_STORAGE,
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self.fd = fd
        return self

    def __exit__(self, *exc) -> None:
        os.close(self.fd)
        self.fd = None
