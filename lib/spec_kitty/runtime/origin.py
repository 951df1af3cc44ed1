"""Where a runtime file came from: a release's stock copy, an edit of one, or the user's own.

A file is compared only with what was shipped at its own relative path (a 1.x command prompt
also with its new place in the same mission), never with another mission's files: two missions
may ship the same bytes, and a copy of the other one's is still this mission's customisation.
Two tables know the stock bytes: every spec-kitty-cli release's (spec_kitty.runtime.stock) and
every release of this toolkit's own defaults (spec_kitty.runtime.manifest).
"""

from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from spec_kitty.runtime import stock
from spec_kitty.runtime.manifest import release_hashes, shipped_hashes


class OriginKind(StrEnum):
    SPEC_KITTY = "spec-kitty"  # an unmodified copy of a spec-kitty release's default
    TOOLKIT = "toolkit"  # an unmodified copy of one of this toolkit's defaults
    EDITED = "edited"  # a path some release shipped, with bytes none of them did
    PROJECT_ONLY = "project-only"  # a path no release ever shipped
    CONFIGURATION = "configuration"  # not a runtime file at all (config.yaml, memory/, ...)


@dataclass(frozen=True)
class Origin:
    kind: OriginKind
    version: str | None = None  # a release, or the first..last of those that shipped it

    @property
    def is_stock(self) -> bool:
        return self.kind in (OriginKind.SPEC_KITTY, OriginKind.TOOLKIT)

    def __str__(self) -> str:
        if self.kind == OriginKind.SPEC_KITTY:
            return f"stock {self.version}"
        if self.kind == OriginKind.TOOLKIT:
            return f"toolkit default {self.version}"
        return self.kind.value


CONFIGURATION = Origin(OriginKind.CONFIGURATION)


def origin_of(digest: str, *paths: str) -> Origin:
    """The origin of bytes hashed `digest` found at the first of `paths` (the others: the same
    file's other names in its own mission, such as a 1.x prompt's new place)."""
    found = stock.stock_origin(paths[0], digest)
    if found is not None:
        return Origin(OriginKind.SPEC_KITTY, found.releases)
    for path in paths:
        version = _toolkit_versions().get((path, digest))
        if version is not None:
            return Origin(OriginKind.TOOLKIT, version)
    shipped = any(path in stock.stock_paths() or path in _toolkit_paths() for path in paths)
    return Origin(OriginKind.EDITED if shipped else OriginKind.PROJECT_ONLY)


@cache
def _toolkit_versions() -> dict[tuple[str, str], str]:
    """(path, hash) -> the newest toolkit release that shipped it."""
    from spec_kitty import __version__

    releases = {**release_hashes(), __version__: shipped_hashes()}
    newest: dict[tuple[str, str], str] = {}
    for version in sorted(releases, key=stock.version_key):
        for path, digest in releases[version].items():
            newest[(path, digest)] = version
    return newest


@cache
def _toolkit_paths() -> frozenset[str]:
    return frozenset(path for path, _digest in _toolkit_versions())
