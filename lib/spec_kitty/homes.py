"""Where the user's state lives: the spec-kitty home and the global kittify runtime."""

import os
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
    """Create `path` (and parents) readable by the owner only."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise ScriptError(
            f"{path} is not a folder; spec-kitty keeps its files in a folder there "
            "(check SPEC_KITTY_HOME and KITTIFY_HOME)",
            EXIT_STORAGE,
        ) from None
    return path
