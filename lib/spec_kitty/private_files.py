"""Opening the files that hold the user's login, queue and keys: never through a symbolic link,
and never when other users may read or write them (refused with the command that fixes it)."""

import errno
import os
import stat
from pathlib import Path

from spec_kitty.jsonl import EXIT_STORAGE, ScriptError


def open_unlinked(
    path: Path, flags: int = os.O_RDWR | os.O_CREAT, exit_code: int = EXIT_STORAGE
) -> int:
    """A descriptor of `path` opened with `flags` (O_CREAT makes it owner-only); a symbolic link
    planted there is refused rather than followed (opening it would create or truncate whatever
    it points to)."""
    try:
        return os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise linked(path, exit_code) from None
        raise


def open_private(path: Path, flags: int = os.O_RDWR, exit_code: int = EXIT_STORAGE) -> int:
    """Like open_unlinked, and also refused when `path` is not a regular file or others may read
    or write it."""
    fd = open_unlinked(path, flags, exit_code)
    try:
        check_private(path, os.fstat(fd), exit_code)
    except BaseException:
        os.close(fd)
        raise
    return fd


def check_private(path: Path, status: os.stat_result, exit_code: int = EXIT_STORAGE) -> None:
    """ScriptError unless `status` (of `path`) is a regular file only its owner may use."""
    if stat.S_ISLNK(status.st_mode):
        raise linked(path, exit_code)
    if not stat.S_ISREG(status.st_mode):
        raise ScriptError(f"{path} is not a regular file; remove it or move it away", exit_code)
    if status.st_mode & 0o077:
        raise ScriptError(
            f"{path} is readable or writable by others (mode {stat.S_IMODE(status.st_mode):03o}); "
            f"refusing to use it. Fix it with: chmod 600 {path}",
            exit_code,
        )


def linked(path: Path, exit_code: int = EXIT_STORAGE) -> ScriptError:
    return ScriptError(
        f"{path} is a symbolic link; spec-kitty does not follow links for its private files. "
        f"Remove it (rm {path}) and run the command again",
        exit_code,
    )
