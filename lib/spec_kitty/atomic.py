"""Replacing a file whole: a reader, or a process that crashes mid-write, never sees half a file."""

import os
from pathlib import Path


def replace_file(
    path: Path, data: bytes | str, mode: int | None = None, durable: bool = True
) -> None:
    """Write `data` to a temporary file beside `path`, flush it to disk, rename it over `path`.

    The temporary file is created owner-only (then set to `mode` when given) and removed if
    anything fails, so no partial file is ever left under the real name. `durable=False` skips
    the flush to disk (an fsync: milliseconds each on some disks) for files whose safety against
    a power cut rests elsewhere; a killed process still leaves the old file or the new one.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    fd, temp = _create_beside(path)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            if durable:
                os.fsync(out.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _create_beside(path: Path) -> tuple[int, Path]:
    """A new owner-only file `.<name>.<random>.tmp` beside `path`, open for writing.

    Made here rather than by tempfile, whose import (shutil, random, the compression modules)
    was a tenth of the start-up of every command that writes a file.
    """
    prefix, suffix = _temp_affixes(path)
    while True:
        temp = path.with_name(f"{prefix}{os.urandom(6).hex()}{suffix}")
        try:
            return os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600), temp
        except FileExistsError:
            continue


def remove_leftovers(path: Path) -> None:
    """Remove the temporary files a writer of `path` killed mid-write left beside it.

    Only for writers that hold a lock around their writes: then no other write is under way.
    Found by name in a plain listing: a glob compiled a pattern for every file a command wrote,
    and read `[` or `*` in a file's name as pattern characters.
    """
    prefix, suffix = _temp_affixes(path)
    try:
        names = os.listdir(path.parent)
    except FileNotFoundError:
        return
    for name in names:
        leftover = name.startswith(prefix) and name.endswith(suffix)
        if leftover and len(name) >= len(prefix) + len(suffix):
            (path.parent / name).unlink(missing_ok=True)


def _temp_affixes(path: Path) -> tuple[str, str]:
    """How a temporary file of `path` is named, before and after its random part."""
    return f".{path.name}.", ".tmp"
