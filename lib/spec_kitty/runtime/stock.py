"""Which spec-kitty-cli release, if any, shipped a runtime file's exact bytes at its path.

Projects that spec-kitty-cli (0.x to 3.x) set up hold copies of its defaults in `.kittify/`, and
spec-kitty 2.x and later rewrite `~/.kittify/missions/` with theirs on every start. The shipped
table `templates/spec-kitty-hashes.json` (built by `invoke release-hashes`, see
spec_kitty.runtime.stock_build) keeps the content hash of every default file of every release,
keyed by its path relative to a runtime root (`missions/software-dev/templates/spec-template.md`,
`templates/commands/plan.md`): a file whose hash the table lists at its own path is a stock copy;
anything else is the user's, even when it equals another path's default.

The table, hashes only:
    {"format": 1, "package": "spec-kitty-cli", "versions": [every release hashed, oldest first],
     "files": {"<rel path>": {"<sha256 hex of the text, CRLF read as LF>": [releases, oldest
     first]}}}

It is read once per process, on the first lookup. Tests and tools that need another table build
a `StockTable` of their own, or replace `DEFAULT`.
"""

import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from spec_kitty.jsonl import ScriptError, os_error_line
from spec_kitty.runtime.manifest import STOCK_TABLE
from spec_kitty.shipped import shipped_dir

TABLE_FORMAT = 1
DIGEST_PREFIX = "sha256:"
_VERSION = re.compile(r"(\d+(?:\.\d+)*)(?:(a|b|rc)(\d+))?")
_PRE_RANK = {"a": 0, "b": 1, "rc": 2}


def version_key(version: str) -> tuple:
    """Sort key for release versions, PEP 440 order for `N(.N)*` with an optional a/b/rc tag.

    3.1.9 < 3.1.10 < 3.2.6 < 3.2.6.2, 1.0 == 1.0.0, and 3.2.0rc28 < 3.2.0.
    """
    match = _VERSION.fullmatch(version)
    if match is None:
        raise ValueError(f"unsupported version {version!r}: expected N.N.N, optionally a/b/rcN")
    release = [int(part) for part in match[1].split(".")]
    while len(release) > 1 and release[-1] == 0:
        release.pop()
    pre = (0, _PRE_RANK[match[2]], int(match[3])) if match[2] else (1,)
    return (tuple(release), pre)


@dataclass(frozen=True)
class StockOrigin:
    version: str  # the newest spec-kitty-cli release that shipped these bytes at this path
    versions: tuple[str, ...]  # every release that did, oldest first

    @property
    def releases(self) -> str:
        """ "1.0.3", or "0.11.0..1.0.3": the first and last releases that shipped these bytes."""
        first, last = self.versions[0], self.versions[-1]
        return first if first == last else f"{first}..{last}"

    def __str__(self) -> str:
        return f"stock {self.releases}"


class StockTable:
    """A table of release hashes, read from `path` on first use."""

    def __init__(self, path: Path):
        self.path = path

    @classmethod
    def load(cls, path: Path) -> "StockTable":
        """A table read now, so a bad file is reported here rather than at the first lookup."""
        table = cls(path)
        _ = table._files
        return table

    def stock_origin(self, rel: str, digest: str) -> StockOrigin | None:
        if not digest.startswith(DIGEST_PREFIX):
            raise ValueError(f"digest {digest!r}: expected 'sha256:<hex>' as content_hash gives")
        versions = self._files.get(rel, {}).get(digest.removeprefix(DIGEST_PREFIX))
        if not versions:
            return None
        return StockOrigin(version=versions[-1], versions=tuple(versions))  # oldest first

    def stock_paths(self) -> frozenset[str]:
        return self._paths

    @cached_property
    def _paths(self) -> frozenset[str]:
        return frozenset(self._files)

    @cached_property
    def _files(self) -> dict[str, dict[str, list[str]]]:
        try:
            table = json.loads(self.path.read_bytes())
        except OSError as exc:
            raise ScriptError(f"cannot read the stock hash table: {os_error_line(exc)}") from None
        except ValueError as exc:
            raise ScriptError(f"{self.path}: the stock hash table is not JSON ({exc})") from None
        if not isinstance(table, dict) or table.get("format") != TABLE_FORMAT:
            raise ScriptError(
                f"{self.path}: not a spec-kitty hash table of format {TABLE_FORMAT}; "
                "reinstall the toolkit"
            )
        return table["files"]


DEFAULT = StockTable(shipped_dir("templates") / STOCK_TABLE)


def stock_origin(rel: str, digest: str) -> StockOrigin | None:
    """The spec-kitty release(s) whose default at `rel` had this content hash (as content_hash
    gives, "sha256:<hex>"); None when no release shipped these bytes at this path."""
    return DEFAULT.stock_origin(rel, digest)


def stock_paths() -> frozenset[str]:
    """Every relative path any spec-kitty-cli release shipped."""
    return DEFAULT.stock_paths()
