"""The project side of the runtime: is a project migrated, and where does each 1.x file belong.

A project's `.kittify/` is in one of three states:

- "migrated": `.kittify/runtime.json` exists with `"layout": 2`. `spec-kitty migrate` writes it
  after leaving only real overrides behind, and `spec-kitty init` writes it for a new project.
  Templates resolve through every tier: project, global (`$KITTIFY_HOME`), package.
- "legacy": no marker, and `.kittify/` holds runtime files (anything under `templates/`,
  `command-templates/` or `missions/`): the 1.x layout, with full copies of the templates and
  perhaps legacy locations. Templates resolve from the project's `.kittify/` only; a miss, or a
  command found only in a legacy location, is an error naming `spec-kitty migrate`. The global
  runtime plays no part: a 1.x project's stale copies would shadow it, so it is never used until
  the project is migrated.
- "fresh": no marker and no runtime files (no `.kittify/`, or only configuration): nothing can
  be shadowed, so it resolves like a migrated project.

Runtime files, relative to `.kittify/`, and where a migration puts a customised one:
  templates/commands/X            (1.x)  -> command-templates/X
  missions/K/commands/X           (1.x)  -> missions/K/command-templates/X
  templates/..., command-templates/..., missions/K/templates/..., missions/K/command-templates/...,
  missions/K/mission.yaml                -> stays where it is
Everything else (config.yaml, metadata.yaml, memory/, scripts/, runtime.json, ...) is project
configuration and is never touched.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from spec_kitty import __version__

KITTIFY = ".kittify"
MARKER = "runtime.json"
LAYOUT = 2
MIGRATED, LEGACY, FRESH = "migrated", "legacy", "fresh"
_RUNTIME_DIRS = ("templates", "command-templates", "missions")


@dataclass(frozen=True)
class Placement:
    """Where a project runtime file belongs, and the mission it is part of (None: all)."""

    source: str
    target: str
    mission: str | None

    @property
    def is_legacy(self) -> bool:
        return self.source != self.target


def project_state(root: Path | None) -> str:
    if root is None:
        return FRESH
    kittify = root / KITTIFY
    if _marker_layout(kittify) == LAYOUT:
        return MIGRATED
    return LEGACY if has_runtime_files(kittify) else FRESH


def has_runtime_files(kittify: Path) -> bool:
    for name in _RUNTIME_DIRS:
        folder = kittify / name
        if folder.is_dir() and any(path.is_file() for path in folder.rglob("*")):
            return True
    return False


def marker_text() -> str:
    """What `.kittify/runtime.json` holds: the layout, and who migrated the project when."""
    marker = {
        "layout": LAYOUT,
        "migrated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "migrated_by": f"spec-kitty-toolkit {__version__}",
    }
    return json.dumps(marker, indent=2, sort_keys=True) + "\n"


def write_marker(root: Path) -> Path:
    """Record that `root` uses the global runtime (layout 2)."""
    from spec_kitty.runtime.manifest import write_atomic

    path = root / KITTIFY / MARKER
    write_atomic(path, marker_text().encode())
    return path


def _marker_layout(kittify: Path) -> int | None:
    try:
        return json.loads((kittify / MARKER).read_text()).get("layout")
    except (OSError, ValueError, AttributeError):
        return None


def legacy_command_locations(kittify: Path, name: str, mission: str) -> list[Path]:
    """Where a 1.x project kept command prompt `name`."""
    return [
        kittify / "missions" / mission / "commands" / name,
        kittify / "templates" / "commands" / name,
    ]


def placement(rel: str) -> Placement | None:
    """Where the project file at `rel` (relative to .kittify/) belongs; None for configuration."""
    parts = PurePosixPath(rel).parts
    if len(parts) < 2:
        return None
    head = parts[0]
    if head == "templates" and parts[1] == "commands" and len(parts) > 2:
        return Placement(rel, f"command-templates/{'/'.join(parts[2:])}", None)
    if head in ("templates", "command-templates"):
        return Placement(rel, rel, None)
    if head != "missions" or len(parts) < 3:
        return None
    mission, kind, tail = parts[1], parts[2], "/".join(parts[3:])
    if kind == "commands" and tail:
        return Placement(rel, f"missions/{mission}/command-templates/{tail}", mission)
    in_mission = kind in ("templates", "command-templates") and tail
    if in_mission or (kind == "mission.yaml" and not tail):
        return Placement(rel, rel, mission)
    return None
