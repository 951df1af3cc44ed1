"""Find a template, command prompt or mission definition through the runtime's tiers.

Order, first hit wins (`{key}` is the mission, "software-dev" by default):
  project-mission  <project>/.kittify/missions/{key}/templates/
  project          <project>/.kittify/templates/
  global-mission   $KITTIFY_HOME/missions/{key}/templates/
  global           $KITTIFY_HOME/templates/
  package          the package defaults: templates/missions/{key}/templates/, then
                   templates/templates/
Command prompts (kind "command") use the same tiers with `command-templates/` in place of
`templates/`. The global tiers are shared with spec-kitty 2.x, which rewrites its own missions
there on every start: a file there that is a spec-kitty release's stock copy is skipped (its
placeholders are not ours), and the lookup goes on to the next tier; a file the user edited is
used. A project still in the 1.x layout (see spec_kitty.runtime.legacy for what
"migrated" means) uses its two project tiers only and gets an UnmigratedProject error naming
`spec-kitty migrate` where the other tiers would have been consulted.
"""

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from spec_kitty.homes import kittify_home
from spec_kitty.jsonl import ScriptError
from spec_kitty.runtime.legacy import KITTIFY, LEGACY, legacy_command_locations, project_state
from spec_kitty.shipped import shipped_dir

DEFAULT_MISSION = "software-dev"
KINDS = {"template": "templates", "command": "command-templates"}
_MISSION_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


class TemplateError(ScriptError):
    """A template that cannot be found, or a name that is not allowed."""

    def __init__(
        self,
        message: str,
        looked_in: tuple[tuple[str, Path], ...] = (),
        skipped: tuple[tuple[str, Path, str], ...] = (),
    ):
        super().__init__(message)
        self.looked_in = looked_in
        self.skipped = skipped


class UnmigratedProject(TemplateError):
    """A 1.x project asked for something only the global runtime or package could give."""


@dataclass(frozen=True)
class Resolved:
    path: Path
    tier: str
    looked_in: tuple[tuple[str, Path], ...] = ()
    skipped: tuple[tuple[str, Path, str], ...] = ()  # (tier, path, why) passed over


@dataclass
class _Lookup:
    found: Resolved | None
    looked: list[tuple[str, Path]]
    skipped: list[tuple[str, Path, str]]


def resolve_template(
    name: str, mission: str | None, project_root: Path | None, kind: str = "template"
) -> Resolved:
    """The file `name` of `kind` ("template" or "command") for `mission`, and its tier."""
    if not isinstance(kind, str) or kind not in KINDS:
        raise TemplateError(f"unknown kind {kind!r}; expected one of: {', '.join(KINDS)}")
    key = check_mission(mission)
    name = check_name(name)
    folder = KINDS[kind]
    tiers = _tiers(key, project_root, folder, folder)
    what = f"{kind} {name!r} for mission {key!r}"
    lookup = _first(tiers, name)
    if lookup.found is not None:
        return lookup.found
    looked = lookup.looked
    if _is_legacy(project_root):
        if kind == "command":
            for old in legacy_command_locations(project_root / KITTIFY, name, key):
                if old.is_file():
                    raise UnmigratedProject(
                        f"{what} is only in the 1.x location {old}; run `spec-kitty migrate` "
                        f"in {project_root} to move it where it is used",
                        (*looked, ("legacy", old)),
                    )
        raise _unmigrated(what, project_root, looked)
    raise TemplateError(
        f"no {what}; looked in: {_listing(looked)}{_skipped_note(lookup.skipped)}",
        tuple(looked),
        tuple(lookup.skipped),
    )


def resolve_mission(mission: str | None, project_root: Path | None) -> Resolved:
    """The mission definition (mission.yaml) of `mission`, and the tier it came from."""
    key = check_mission(mission)
    lookup = _first(_tiers(key, project_root, "", None), "mission.yaml")
    if lookup.found is not None:
        return lookup.found
    what = f"mission {key!r}"
    if _is_legacy(project_root):
        raise _unmigrated(what, project_root, lookup.looked)
    known = ", ".join(available_missions(project_root)) or "none"
    raise TemplateError(
        f"unknown {what}; available: {known}; looked in: {_listing(lookup.looked)}"
        f"{_skipped_note(lookup.skipped)}",
        tuple(lookup.looked),
        tuple(lookup.skipped),
    )


def available_missions(project_root: Path | None) -> list[str]:
    """Mission keys with a mission.yaml in any tier this project may use (spec-kitty's stock
    missions in the shared global runtime are not ours to use, so they are not listed)."""
    return sorted(
        {
            path.parent.name
            for tier, root in _runtime_roots(project_root)
            for path in (root / "missions").glob("*/mission.yaml")
            if _spec_kittys(tier, path) is None
        }
    )


def find_project(start: Path | None = None) -> Path | None:
    """The nearest directory at or above `start` with a `.kittify/` (not the global runtime's)."""
    here = (start or Path.cwd()).resolve()
    home = kittify_home().resolve()
    for candidate in (here, *here.parents):
        kittify = candidate / KITTIFY
        if kittify.is_dir() and kittify.resolve() != home:
            return candidate
    return None


def check_mission(mission: str | None) -> str:
    key = DEFAULT_MISSION if mission in (None, "") else mission
    if not isinstance(key, str) or not _MISSION_KEY.fullmatch(key) or ".." in key:
        raise TemplateError(
            f"mission key {key!r} is not allowed; expected a plain name like 'software-dev'"
        )
    return key


def check_name(name: str) -> str:
    """A plain file name; ".md" is added when it has no suffix.

    Separators are refused as well as `..`: every tier is a flat folder, and a name such as
    `commands/specify.md` would reach a 1.x location through the project tier.
    """
    if not isinstance(name, str) or not name.strip():
        raise TemplateError("template name must be a non-empty string like 'spec-template.md'")
    if "/" in name or "\\" in name or name in (".", "..") or name.startswith("~"):
        raise TemplateError(
            f"template name {name!r} leaves its directory; expected a file name like "
            "'spec-template.md'"
        )
    return name if PurePosixPath(name).suffix else f"{name}.md"


def _runtime_roots(project_root: Path | None) -> list[tuple[str, Path]]:
    roots = [("project", project_root / KITTIFY)] if project_root else []
    if not _is_legacy(project_root):
        roots += [("global", kittify_home()), ("package", shipped_dir("templates"))]
    return roots


def _tiers(key: str, project_root: Path | None, in_mission: str, common: str | None):
    """(tier, directory) in lookup order: per root, the mission's folder, then the common one."""
    tiers = []
    for tier, root in _runtime_roots(project_root):
        mission_tier = "package" if tier == "package" else f"{tier}-mission"
        tiers.append((mission_tier, root / "missions" / key / in_mission))
        if common:
            tiers.append((tier, root / common))
    return tiers


def _first(tiers, name: str) -> _Lookup:
    """The first tier holding a usable `name`, with every path looked at and passed over."""
    looked: list[tuple[str, Path]] = []
    skipped: list[tuple[str, Path, str]] = []
    for tier, folder in tiers:
        path = folder / name
        looked.append((tier, path))
        if not path.is_file():
            continue
        why = _spec_kittys(tier, path)
        if why is not None:
            skipped.append((tier, path, why))
            continue
        return _Lookup(Resolved(path, tier, tuple(looked), tuple(skipped)), looked, skipped)
    return _Lookup(None, looked, skipped)


def _spec_kittys(tier: str, path: Path) -> str | None:
    """Why a file of the shared global runtime is not ours to use (a spec-kitty release's stock
    copy), or None."""
    if not tier.startswith("global"):
        return None
    from spec_kitty.runtime.manifest import file_hash, read_manifest

    home = kittify_home()
    rel, digest = path.relative_to(home).as_posix(), file_hash(path)
    try:
        if read_manifest(home)["files"].get(rel) == digest:
            return None  # ours, as installed: no need to ask the spec-kitty table
    except ScriptError:
        pass  # a damaged manifest only costs the shortcut; migrate reports it
    # Here, past the shortcut: the table's module is needed only for a file we did not install.
    from spec_kitty.runtime.stock import stock_origin

    origin = stock_origin(rel, digest)
    if origin is None:
        return None
    return f"stock copy of spec-kitty {origin.releases}, which spec-kitty manages; not used"


def _skipped_note(skipped) -> str:
    if not skipped:
        return ""
    return "; skipped: " + ", ".join(f"{tier} {path} ({why})" for tier, path, why in skipped)


def _is_legacy(project_root: Path | None) -> bool:
    return project_state(project_root) == LEGACY


def _unmigrated(what: str, project_root: Path, looked) -> UnmigratedProject:
    return UnmigratedProject(
        f"{project_root} still uses the 1.x .kittify layout and has no {what} of its own "
        f"(looked in: {_listing(looked)}); run `spec-kitty migrate` in {project_root} to use "
        "the global runtime and keep only your customised files",
        tuple(looked),
    )


def _listing(looked) -> str:
    return ", ".join(f"{tier} {path}" for tier, path in looked)
