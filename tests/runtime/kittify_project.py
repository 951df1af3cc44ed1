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

CUSTOM_PLAN = "# Plan for {{ feature_name }}\n\nOur house style: ADRs first, then the plan.\n"
CUSTOM_REVIEW = "# /review\n\nAlso run `make audit` before approving anything.\n"
CUSTOM_RESEARCH_PLAN = "# /plan (research)\n\nCite sources in APA style.\n"
CUSTOM_PROMPT = "# {{ wp_id }}: {{ wp_title }}\n\nPair with the on-call engineer first.\n"
CUSTOM_MISSION = "name: Security Audit\nkey: custom-audit\ndescription: our own mission\n"

# Where each file of the 1.x fixture ends up after `spec-kitty migrate`.
EXPECTED_ACTIONS = {
    "config.yaml": "untouched-config",
    "metadata.yaml": "untouched-config",
    "memory/constitution.md": "untouched-config",
    "scripts/bash/check-prerequisites.sh": "untouched-config",
    "active-mission": "untouched-config",
    "templates/spec-template.md": "remove-identical",
    "templates/tasks-template.md": "remove-identical",
    "templates/plan-template.md": "keep-override",
    "templates/commands/specify.md": "remove-identical",
    "templates/commands/implement.md": "remove-identical",
    "templates/commands/review.md": "move-override",
    f"{SD}/mission.yaml": "remove-identical",
    f"{SD}/templates/spec-template.md": "remove-identical",
    f"{SD}/templates/task-prompt-template.md": "keep-override",
    f"{SD}/command-templates/plan.md": "remove-identical",
    "missions/research/commands/plan.md": "move-override",
    "missions/research/commands/tasks.md": "remove-identical",
    "missions/research/templates/spec-template.md": "remove-identical",
    "missions/custom-audit/mission.yaml": "keep-override",
}


def shipped(rel: str) -> bytes:
    return (SHIPPED / rel).read_bytes()


def write_legacy_project(root: Path) -> Path:
    """A 1.x project: full copies of the defaults (one with CRLF line endings, as a Windows
    checkout leaves it), a few customised, commands in the 1.x locations, and configuration."""
    kittify = root / ".kittify"
    files = {
        "config.yaml": CONFIG_YAML.encode(),
        "metadata.yaml": b"initialized_with: spec-kitty 1.4.2\n",
        "memory/constitution.md": b"# Constitution\n\nTests before merge.\n",
        "scripts/bash/check-prerequisites.sh": b"#!/usr/bin/env bash\ngit --version\n",
        "templates/spec-template.md": shipped(f"{SD}/templates/spec-template.md"),
        "templates/tasks-template.md": shipped(f"{SD}/templates/tasks-template.md").replace(
            b"\n", b"\r\n"
        ),
        "templates/plan-template.md": CUSTOM_PLAN.encode(),
        "templates/commands/specify.md": shipped(f"{SD}/command-templates/specify.md"),
        "templates/commands/implement.md": shipped(f"{SD}/command-templates/implement.md"),
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
        "missions/custom-audit/mission.yaml": CUSTOM_MISSION.encode(),
    }
    for rel, data in files.items():
        path = kittify / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    os.symlink("missions/software-dev", kittify / "active-mission")
    return root


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


def json_lines(data: bytes) -> list[dict]:
    return [json.loads(line) for line in data.decode().splitlines() if line.strip()]
