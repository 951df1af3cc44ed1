"""`spec-kitty init`: make the current git repository a spec-kitty project."""

import uuid
from pathlib import Path

from spec_kitty.jsonl import ScriptError
from spec_kitty.project import CONFIG
from spec_kitty.workflow import git
from spec_kitty.workflow.changeset import Changeset
from spec_kitty.workflow.features import DEFAULT_MISSION
from spec_kitty.workflow.lock import exclusive
from spec_kitty.workflow.slugs import slugify

IGNORED = ".worktrees/"


@exclusive
def init_project(start: Path, commit: bool = True) -> dict:
    """`.kittify/config.yaml` with a project identity, the global runtime, one commit.

    Running it again keeps the identity it wrote the first time.
    """
    root = git.top_level(start.resolve())
    config = root / CONFIG
    identity = _existing_identity(root) if config.exists() else None
    created = identity is None
    if created:
        identity = {"uuid": str(uuid.uuid4()), "slug": _project_slug(root)}
    with Changeset(root) as changes:
        if created:
            changes.write(config, _config_text(identity))
        changes.write(root / ".gitignore", _gitignore(root / ".gitignore"))
        changes.track(prepare_runtime(root))
        committed = changes.commit("Make this repository a spec-kitty project", commit)
    return {
        "root": str(root),
        "project_uuid": identity["uuid"],
        "project_slug": identity["slug"],
        "created": created,
        "committed": committed,
    }


def prepare_runtime(root: Path) -> Path:
    """The global runtime installed or updated, and `root` marked as using it; the marker path."""
    from spec_kitty.runtime.migrate import ensure_global_runtime, mark_project_migrated

    ensure_global_runtime()
    return mark_project_migrated(root)


def _existing_identity(root: Path) -> dict:
    from spec_kitty.project import NotAProject, load_identity

    try:
        identity = load_identity(root)
    except NotAProject as exc:
        raise ScriptError(f"{exc}; fix it, or remove it to start a new identity") from None
    return {"uuid": identity.uuid, "slug": identity.slug}


def _project_slug(root: Path) -> str:
    try:
        return slugify(root.name)
    except ScriptError:
        return "project"


def _config_text(identity: dict) -> str:
    return (
        "# spec-kitty project settings. project.uuid identifies this project's events in sync;\n"
        "# keep it when copying the repository.\n"
        "project:\n"
        f"  uuid: {identity['uuid']}\n"
        f"  slug: {identity['slug']}\n"
        "workflow:\n"
        f"  default_mission: {DEFAULT_MISSION}\n"
    )


def _gitignore(path: Path) -> str:
    """.gitignore with the WP worktrees folder ignored (the rest as it was)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if IGNORED in text.splitlines() or IGNORED.rstrip("/") in text.splitlines():
        return text
    return text + ("" if not text or text.endswith("\n") else "\n") + IGNORED + "\n"
