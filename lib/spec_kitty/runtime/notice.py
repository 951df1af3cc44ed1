"""The one notice a project not yet migrated gets: `spec-kitty migrate` exists, and what it does.

Commands keep working in such a project (templates come from its own `.kittify/`); they say so
once per run, on stderr, so that the user learns of migrate without it being forced on them.
"""

from pathlib import Path

from spec_kitty.jsonl import warn
from spec_kitty.runtime.legacy import KITTIFY, LEGACY, project_state

_told: set[Path] = set()


def tell_if_unmigrated(root: Path, notify=warn) -> None:
    """The notice, when `root` still has spec-kitty 1.x's `.kittify/` layout."""
    if root not in _told and project_state(root) == LEGACY:
        tell_unmigrated(root, notify)


def tell_unmigrated(root: Path, notify=warn) -> None:
    if root in _told:
        return
    _told.add(root)
    notify(
        f"note: {root / KITTIFY} is in spec-kitty 1.x's layout, so templates come from it alone. "
        "`spec-kitty migrate` removes its unmodified copies of spec-kitty's templates, keeps "
        "every file you edited, gives the project its sync identity, and commits that; "
        "`spec-kitty migrate --dry-run` lists each file first"
    )
