"""Features: the `kitty-specs/NNN-slug/` directories, their meta.json, and choosing one."""

import json
import re
from dataclasses import dataclass
from pathlib import Path

from spec_kitty.jsonl import ScriptError
from spec_kitty.runtime.resolve import DEFAULT_MISSION
from spec_kitty.workflow.status_log import LOG_NAME

SPECS = "kitty-specs"
# Where work packages are checked out, each on its own branch: `.worktrees/NNN-slug-WPnn`.
WORKTREES = ".worktrees"

_FEATURE_DIR = re.compile(r"(\d{3})-[A-Za-z0-9][A-Za-z0-9._-]*")
_NUMBERED = re.compile(r"(\d{3})-")
_SELECTOR = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_WP_BRANCH = re.compile(r"(\d{3}-.+)-WP\d{2}")


@dataclass
class Feature:
    root: Path
    slug: str
    meta: dict

    @property
    def directory(self) -> Path:
        return self.root / SPECS / self.slug

    @property
    def number(self) -> str:
        return self.slug[:3]

    @property
    def mission(self) -> str:
        return str(self.meta.get("mission") or DEFAULT_MISSION)

    @property
    def target_branch(self) -> str | None:
        """meta.json's target_branch (main, master, 2.x, ...); None when meta.json has none."""
        value = self.meta.get("target_branch")
        return str(value) if value else None

    @property
    def log_path(self) -> Path:
        return self.directory / LOG_NAME

    @property
    def tasks_dir(self) -> Path:
        return self.directory / "tasks"

    def wp_branch(self, wp_id: str) -> str:
        """The branch a work package is implemented on: `NNN-slug-WPnn` (`branch_feature` reads
        the feature back from it)."""
        return f"{self.slug}-{wp_id}"

    def worktree(self, wp_id: str) -> Path:
        """Where a work package's branch is checked out."""
        return self.root / WORKTREES / self.wp_branch(wp_id)


def branch_feature(branch: str | None) -> str | None:
    """The feature slug of a work package's branch (as `Feature.wp_branch` names it); None for
    any other branch."""
    match = _WP_BRANCH.fullmatch(branch or "")
    return match.group(1) if match else None


def feature_slugs(root: Path) -> list[str]:
    specs = root / SPECS
    if not specs.is_dir():
        return []
    return sorted(p.name for p in specs.iterdir() if p.is_dir() and _FEATURE_DIR.fullmatch(p.name))


def load_feature(root: Path, slug: str) -> Feature:
    path = root / SPECS / slug / "meta.json"
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        meta = {}
    except ValueError as exc:
        raise ScriptError(f"{path} is not valid JSON ({exc}); fix it or remove it") from None
    if not isinstance(meta, dict):
        raise ScriptError(f"{path} must hold a JSON object")
    return Feature(root, slug, meta)


def select_feature(root: Path, given: str | None, command: str, hint: str | None = None) -> Feature:
    """The feature named by `given` (a slug or its number), else the only one, else `hint`'s.

    `hint` is a slug inferred from where the user stands (a WP worktree); several features and
    nothing to choose by is an error listing them with the exact command to run.
    """
    slugs = feature_slugs(root)
    if given is not None:
        if not _SELECTOR.fullmatch(given):
            raise ScriptError(f"--feature {given!r} is not a feature slug like 001-checkout-flow")
        matches = [s for s in slugs if s == given] or [
            s for s in slugs if s.startswith(given if "-" in given else given.zfill(3) + "-")
        ]
        if len(matches) != 1:
            known = ", ".join(matches or slugs) or "none yet"
            what = "several features match" if matches else "no feature matches"
            raise ScriptError(f"{what} --feature {given!r} in {root / SPECS} (features: {known})")
        return load_feature(root, matches[0])
    if hint in slugs:
        return load_feature(root, hint)
    if not slugs:
        raise ScriptError(
            f"no features in {root / SPECS}; create one with `spec-kitty create-feature NAME`"
        )
    if len(slugs) > 1:
        raise ScriptError(
            f"{len(slugs)} features, choose one: {', '.join(slugs)}; "
            f"run `spec-kitty {command} --feature {slugs[-1]}`"
        )
    return load_feature(root, slugs[0])


def next_number(root: Path, branches: list[str]) -> str:
    """One past the highest number used by a feature directory or a branch named NNN-*."""
    used = [int(slug[:3]) for slug in feature_slugs(root)]
    used += [int(m.group(1)) for b in branches if (m := _NUMBERED.match(b))]
    number = max(used, default=0) + 1
    if number > 999:
        raise ScriptError("feature numbers are used up to 999; no number left to allocate")
    return f"{number:03d}"
