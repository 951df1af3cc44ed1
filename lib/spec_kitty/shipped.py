"""Files shipped with the package: templates/ and contracts/.

In a wheel they live inside the package (`spec_kitty/data/<name>`); in a checkout or an editable
install they are the top-level folders of the repository.
"""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def shipped_dir(name: str) -> Path:
    """The directory of shipped files called `name` ("templates" or "contracts")."""
    installed = _PACKAGE / "data" / name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent.parent / name
