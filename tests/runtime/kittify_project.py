"""Projects as the runtime tests need them: a 1.x layout, a fresh one, and a file-tree snapshot."""

import json
import os
from pathlib import Path

from spec_kitty.shipped import shipped_dir

SHIPPED = shipped_dir("templates")
SD = "missions/software-dev"

CONFIG_YAML = """\
# written by hand; comments must survive a migration
project:
  uuid: 0b5c7d1e-8f2a-4c3b-9d6e-1a2b3c4d5e6f
  slug: shop
agents: [claude, codex]
"""
# As spec-kitty 1.x wrote it: no sync identity.
CONFIG_1X = """\
vcs:
  type: git  # kept as written
agents:
  available:
  - claude
"""

CUSTOM_PLAN = "# Plan for {{ feature_name }}\n\nOur house style: ADRs first, then the plan.\n"
CUSTOM_REVIEW = "# /review\n\nAlso run `make audit` before approving anything.\n"
CUSTOM_RESEARCH_PLAN = "# /plan (research)\n\nCite sources in APA style.\n"
CUSTOM_PROMPT = "# {{ wp_id }}: {{ wp_title }}\n\nPair with the on-call engineer first.\n"
CUSTOM_MISSION = "name: Security Audit\nkey: custom-audit\ndescription: our own mission\n"
HOUSE_STYLE = "# House style\n\nShort sentences.\n"

# Where each file of the 1.x fixture ends up after `spec-kitty migrate` (paths as the report
# gives them, relative to the project).
EXPECTED_ACTIONS = {
    ".kittify/config.yaml": "add-identity",
    ".kittify/metadata.yaml": "untouched-config",
    ".kittify/memory/constitution.md": "untouched-config",
    ".kittify/scripts/bash/check-prerequisites.sh": "untouched-config",
    ".kittify/active-mission": "untouched-config",
    ".kittify/templates/checklist-template.md": "remove-identical",
    ".kittify/templates/plan-template.md": "keep-override",
    ".kittify/templates/house-style.md": "keep-override",
    ".kittify/templates/commands/review.md": "move-override",
    f".kittify/{SD}/mission.yaml": "remove-identical",
    f".kittify/{SD}/templates/spec-template.md": "remove-identical",
    f".kittify/{SD}/templates/task-prompt-template.md": "keep-override",
    f".kittify/{SD}/command-templates/plan.md": "remove-identical",
    ".kittify/missions/research/commands/plan.md": "move-override",
    ".kittify/missions/research/commands/tasks.md": "remove-identical",
    ".kittify/missions/research/templates/spec-template.md": "remove-identical",
    ".kittify/missions/research/templates/plan-template.md": "keep-override",
    ".kittify/missions/custom-audit/mission.yaml": "keep-mission",
    ".kittify/runtime.json": "mark-migrated",
}
REMOVED = sum(action == "remove-identical" for action in EXPECTED_ACTIONS.values())


def shipped(rel: str) -> bytes:
    return (SHIPPED / rel).read_bytes()


def write_legacy_project(root: Path) -> Path:
    """A 1.x project: copies of this toolkit's defaults (one with CRLF line endings, as a
    Windows checkout leaves it; one byte-identical to another mission's default), a few
    customised, commands in the 1.x locations, its own files, and configuration without a sync
    identity."""
    files = {
        "config.yaml": CONFIG_1X.encode(),
        "metadata.yaml": b"initialized_with: spec-kitty 1.4.2\n",
        "memory/constitution.md": b"# Constitution\n\nTests before merge.\n",
        "scripts/bash/check-prerequisites.sh": b"#!/usr/bin/env bash\ngit --version\n",
        "templates/checklist-template.md": shipped("templates/checklist-template.md").replace(
            b"\n", b"\r\n"
        ),
        "templates/plan-template.md": CUSTOM_PLAN.encode(),
        "templates/house-style.md": HOUSE_STYLE.encode(),
        "templates/commands/review.md": CUSTOM_REVIEW.encode(),
        f"{SD}/mission.yaml": shipped(f"{SD}/mission.yaml"),
        f"{SD}/templates/spec-template.md": shipped(f"{SD}/templates/spec-template.md"),
        f"{SD}/templates/task-prompt-template.md": CUSTOM_PROMPT.encode(),
        f"{SD}/command-templates/plan.md": shipped(f"{SD}/command-templates/plan.md"),
        "missions/research/commands/plan.md": CUSTOM_RESEARCH_PLAN.encode(),
        "missions/research/commands/tasks.md": shipped(
            "missions/research/command-templates/tasks.md"
        ),
        "missions/research/templates/spec-template.md": shipped(
            "missions/research/templates/spec-template.md"
        ),
        # Another mission's default is still this mission's customisation.
        "missions/research/templates/plan-template.md": shipped(f"{SD}/templates/plan-template.md"),
        "missions/custom-audit/mission.yaml": CUSTOM_MISSION.encode(),
    }
    write_files(root / ".kittify", files)
    os.symlink("missions/software-dev", root / ".kittify" / "active-mission")
    return root


# Files as spec-kitty releases shipped them (invented text: the tests' own), with the releases
# that shipped each; `spec_kitty_table` makes a hash table of them like the shipped one.
SPEC_KITTY_STOCK = {
    f"{SD}/command-templates/implement.md": (b"# /implement (spec-kitty)\n", ["1.0.2", "1.0.3"]),
    f"{SD}/templates/tasks-template.md": (b"# Tasks: [FEATURE NAME]\n", ["0.16.2", "1.0.3"]),
    "templates/commands/specify.md": (b"# /specify (spec-kitty 0.x)\n", ["0.13.5", "0.16.2"]),
    "missions/documentation/mission.yaml": (b"name: Documentation Kitty\n", ["1.0.3"]),
    "missions/documentation/templates/spec-template.md": (b"# Doc spec: [TITLE]\n", ["1.0.3"]),
    "missions/documentation/commands/plan.md": (b"# /plan (documentation)\n", ["0.16.2"]),
}
# A spec-kitty path the user edited: the table knows the path, not these bytes.
SPEC_KITTY_EDITED = {f"{SD}/templates/plan-template.md": b"# Plan: [FEATURE]\n\nOur gates.\n"}
SPEC_KITTY_EXPECTED = {
    f".kittify/{SD}/command-templates/implement.md": ("remove-identical", "stock 1.0.2..1.0.3"),
    f".kittify/{SD}/templates/tasks-template.md": ("remove-identical", "stock 0.16.2..1.0.3"),
    ".kittify/templates/commands/specify.md": ("remove-identical", "stock 0.13.5..0.16.2"),
    ".kittify/missions/documentation/mission.yaml": ("keep-mission", "stock 1.0.3"),
    ".kittify/missions/documentation/templates/spec-template.md": ("keep-mission", "stock 1.0.3"),
    ".kittify/missions/documentation/commands/plan.md": ("move-override", "stock 0.16.2"),
    f".kittify/{SD}/templates/plan-template.md": ("keep-override", "edited"),
}


def add_spec_kitty_copies(root: Path) -> None:
    """spec-kitty's stock copies and one edit of them in `root`'s .kittify/."""
    files = {rel: data for rel, (data, _versions) in SPEC_KITTY_STOCK.items()}
    write_files(root / ".kittify", {**files, **SPEC_KITTY_EDITED})


def spec_kitty_table(path: Path, extra: dict | None = None):
    """A StockTable of SPEC_KITTY_STOCK (plus `extra`: {rel: (bytes, versions)}), and the
    edited file's path under an older text, written to `path`."""
    from spec_kitty.runtime.manifest import content_hash
    from spec_kitty.runtime.stock import StockTable

    files: dict[str, dict[str, list[str]]] = {}
    stock = {
        **SPEC_KITTY_STOCK,
        **(extra or {}),
        f"{SD}/templates/plan-template.md": (b"# Plan: [FEATURE]\n", ["1.0.3"]),
    }
    for rel, (data, versions) in stock.items():
        digest = content_hash(data).removeprefix("sha256:")
        files.setdefault(rel, {})[digest] = versions
    table = {"format": 1, "package": "spec-kitty-cli", "versions": [], "files": files}
    path.write_text(json.dumps(table))
    return StockTable.load(path)


def write_files(folder: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def write_fresh_project(root: Path) -> Path:
    """A project as `spec-kitty init` leaves it: identity only, no runtime files."""
    (root / ".kittify").mkdir(parents=True)
    (root / ".kittify" / "config.yaml").write_text(CONFIG_YAML)
    return root


def tree(root: Path) -> dict[str, bytes]:
    """Every file under `root` by relative path (a symlink by its target), to compare runs."""
    snapshot = {}
    for folder, dirs, files in os.walk(root):
        for name in files + [d for d in dirs if (Path(folder) / d).is_symlink()]:
            path = Path(folder) / name
            rel = path.relative_to(root).as_posix()
            snapshot[rel] = (
                f"-> {os.readlink(path)}".encode() if path.is_symlink() else (path.read_bytes())
            )
    return snapshot
