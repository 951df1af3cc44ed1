"""`spec-kitty init`: make the current git repository a spec-kitty project."""

import uuid
from pathlib import Path

from spec_kitty.project import (
    CONFIG,
    ProjectIdentity,
    default_slug,
    identity_of,
    new_config_text,
    read_config,
    with_identity,
)
from spec_kitty.workflow import git
from spec_kitty.workflow.changeset import Changeset
from spec_kitty.workflow.features import DEFAULT_MISSION, WORKTREES
from spec_kitty.workflow.lock import exclusive

IGNORED = f"{WORKTREES}/"


@exclusive
def init_project(start: Path, commit: bool = True) -> dict:
    """`.kittify/config.yaml` with a project identity, the global runtime, one commit.

    Running it again keeps the identity it wrote the first time; a config.yaml without one (as
    spec-kitty 1.x wrote it) gets it added, every other line kept.
    """
    root = git.top_level(start.resolve())
    config = root / CONFIG
    existing = identity_of(read_config(root)) if config.exists() else None
    created = existing is None
    with Changeset(root) as changes:
        if config.exists():
            slug = default_slug(root) if created else ""
            text, identity = with_identity(config.read_text(), slug, config)
            if created:
                changes.write(config, text)
        else:
            identity = ProjectIdentity(str(uuid.uuid4()), default_slug(root))
            changes.write(config, new_config_text(identity, DEFAULT_MISSION))
        changes.write(root / ".gitignore", ignore_worktrees(root / ".gitignore"))
        marker = prepare_runtime(root)
        if marker is not None:
            changes.track(marker)
        result = {
            "root": str(root),
            "project_uuid": identity.uuid,
            "project_slug": identity.slug,
            "created": created,
        }
        committed = changes.commit("Make this repository a spec-kitty project", commit, result)
    # The YAML parser is loaded by now: the config read once more is remembered parsed, so the
    # user's next command (nearly every one reads it) need not load the parser.
    read_config(root)
    return {**result, "committed": committed}


def prepare_runtime(root: Path) -> Path | None:
    """The global runtime installed or updated, and `root` marked as using it; the marker path.

    A project still holding spec-kitty 1.x templates is left for `spec-kitty migrate` (marking
    it would hide the files its user edited); None then."""
    from spec_kitty.runtime.legacy import LEGACY, project_state
    from spec_kitty.runtime.migrate import ensure_global_runtime, mark_project_migrated
    from spec_kitty.runtime.notice import tell_unmigrated

    ensure_global_runtime()
    if project_state(root) == LEGACY:
        tell_unmigrated(root)
        return None
    return mark_project_migrated(root)


def ignore_worktrees(path: Path) -> str:
    """.gitignore with the WP worktrees folder ignored (the rest as it was)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if IGNORED in text.splitlines() or IGNORED.rstrip("/") in text.splitlines():
        return text
    return text + ("" if not text or text.endswith("\n") else "\n") + IGNORED + "\n"
