"""Tasks over the global runtime: `spec-kitty migrate`."""

from spec_kitty.tasks.base import task


@task(
    help={
        "dry_run": "list what would happen to each file, and its origin; change nothing",
        "json": "write one JSON line per action to stdout (summaries stay on stderr)",
        "project": "the project to migrate (default: the one around the current directory)",
        "global_only": "install or update the global runtime only; leave every project alone",
        "no_commit": "change the files but do not commit them",
    }
)
def migrate(c, dry_run=False, json=False, project=None, global_only=False, no_commit=False):
    """Install the global runtime (~/.kittify) and reduce .kittify/ to real overrides.

    Each file of the project's .kittify/ is compared with every spec-kitty release's defaults
    and this toolkit's: unmodified copies are removed (the global runtime serves them), files
    you edited are kept byte for byte, a mission this toolkit does not ship is kept whole. A
    config.yaml without project.uuid/slug gets them (for sync), .worktrees/ is ignored, and it
    all becomes one commit. Safe to run again: it then changes nothing and says so.

    Example: spec-kitty migrate --dry-run    (each file, its origin, what would happen)"""
    import sys
    from pathlib import Path

    from spec_kitty.jsonl import ScriptError
    from spec_kitty.runtime.migrate import migrate_and_write
    from spec_kitty.runtime.resolve import find_project

    projects = []
    if not global_only:
        root = find_project(Path(project) if project else None)
        if root is None:
            raise ScriptError(
                f"no .kittify/ at or above {Path(project or '.').resolve()}; cd into a project, "
                "or run `spec-kitty migrate --global-only` to install the global runtime alone"
            )
        projects.append(root)
    migrate_and_write(projects, sys.stdout, dry_run, commit=not no_commit, readable=not json)


TASKS = [migrate]
