"""The permissions a file written in place would have, for writers that replace it whole."""

import os
import stat
from pathlib import Path


def plain_mode(path: Path) -> int:
    """`path`'s current permissions, or for a new file what open() would give it (0o666 less the
    umask): a replaced file keeps its mode, and a new one is as readable as the user's others,
    not owner-only like the temporary file it is renamed from."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return 0o666 & ~_umask()


def _umask() -> int:
    # The umask can only be read by setting it; it is put back at once.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
