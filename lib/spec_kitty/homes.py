"""Where the user's state lives: the spec-kitty home and the global kittify runtime."""

import os
import stat
from pathlib import Path

from spec_kitty.jsonl import EXIT_STORAGE, ScriptError


def spec_kitty_home() -> Path:
    """`~/.spec-kitty`, shared with spec-kitty 2.x clients; SPEC_KITTY_HOME overrides."""
    override = os.environ.get("SPEC_KITTY_HOME")
    return Path(override) if override else Path.home() / ".spec-kitty"


def kittify_home() -> Path:
    """`~/.kittify`, the global templates and missions; KITTIFY_HOME overrides."""
    override = os.environ.get("KITTIFY_HOME")
    return Path(override) if override else Path.home() / ".kittify"


def ensure_private_dir(path: Path) -> Path:
    """`path` as the folder of the user's private state: created readable by the owner only, and
    refused, with the fix, when every user may write to it (anyone could replace the files there
    or plant links)."""
    make_private_dirs(path)
    mode = path.stat().st_mode
    if mode & 0o002:
        raise ScriptError(
            f"{path} is writable by every user (mode {stat.S_IMODE(mode):03o}); refusing to keep "
            f"private files in it. Fix it with: chmod 700 {path}",
            EXIT_STORAGE,
        )
    return path


def make_private_dirs(path: Path) -> Path:
    """Create `path` and its missing parents mode 700, whatever the umask; existing ones are left
    as they are."""
    missing = []
    level = path
    while not os.path.lexists(level) and level != level.parent:
        missing.append(level)
        level = level.parent
    for level in reversed(missing):
        try:
            level.mkdir(mode=0o700)
        except FileExistsError:
            continue  # made by another process meanwhile
        except NotADirectoryError:
            raise _not_a_folder(path) from None
        # mkdir's mode passes through the umask, which may take away even the owner's bits.
        os.chmod(level, 0o700)
    if not path.is_dir():
        raise _not_a_folder(path)
    return path


def _not_a_folder(path: Path) -> ScriptError:
    return ScriptError(
        f"{path} is not a folder; spec-kitty keeps its files in a folder there "
        "(check SPEC_KITTY_HOME and KITTIFY_HOME)",
        EXIT_STORAGE,
    )
