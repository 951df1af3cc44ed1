"""Find a template, command prompt or mission definition through the runtime's tiers.

Order, first hit wins (`{key}` is the mission, "software-dev" by default):
  project-mission  <project>/.kittify/missions/{key}/templates/
  project          <project>/.kittify/templates/
  global-mission   $KITTIFY_HOME/missions/{key}/templates/
  global           $KITTIFY_HOME/templates/
  package          the package defaults: templates/missions/{key}/templates/, then
                   templates/templates/
Command prompts (kind "command") use the same tiers with `command-templates/` in place of
`templates/`. A project still in the 1.x layout (see spec_kitty.runtime.legacy for what
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

    def __init__(self, message: str, looked_in: tuple[tuple[str, Path], ...] = ()):
        super().__init__(message)
        self.looked_in = looked_in


class UnmigratedProject(TemplateError):
    """A 1.x project asked for something only the global runtime or package could give."""


@dataclass(frozen=True)
class Resolved:
    path: Path
    tier: str
    looked_in: tuple[tuple[str, Path], ...] = ()


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
    found = _first(tiers, name)
    if isinstance(found, Resolved):
        return found
    if _is_legacy(project_root):
        if kind == "command":
            for old in legacy_command_locations(project_root / KITTIFY, name, key):
                if old.is_file():
                    raise UnmigratedProject(
                        f"{what} is only in the 1.x location {old}; run `spec-kitty migrate` "
                        f"in {project_root} to move it where it is used",
                        (*found, ("legacy", old)),
                    )
        raise _unmigrated(what, project_root, found)
    raise TemplateError(f"no {what}; looked in: {_listing(found)}", tuple(found))


def resolve_mission(mission: str | None, project_root: Path | None) -> Resolved:
    """The mission definition (mission.yaml) of `mission`, and the tier it came from."""
    key = check_mission(mission)
    found = _first(_tiers(key, project_root, "", None), "mission.yaml")
    if isinstance(found, Resolved):
        return found
    what = f"mission {key!r}"
    if _is_legacy(project_root):
        raise _unmigrated(what, project_root, found)
    known = ", ".join(available_missions(project_root)) or "none"
    raise TemplateError(
        f"unknown {what}; available: {known}; looked in: {_listing(found)}", tuple(found)
    )


def available_missions(project_root: Path | None) -> list[str]:
    """Mission keys with a mission.yaml in any tier this project may use."""
    roots = [home for _tier, home in _runtime_roots(project_root)]
    return sorted(
        {path.parent.name for root in roots for path in (root / "missions").glob("*/mission.yaml")}
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


def _first(tiers, name: str) -> Resolved | list[tuple[str, Path]]:
    """The first tier holding `name`, or every path looked at."""
    looked = []
    for tier, folder in tiers:
        path = folder / name
        looked.append((tier, path))
        if path.is_file():
            return Resolved(path, tier, tuple(looked))
    return looked


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
