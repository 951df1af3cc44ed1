"""Tasks over the global runtime: `spec-kitty migrate`."""

from spec_kitty.tasks.base import task


@task(
    help={
        "dry_run": "print what would change and change nothing",
        "json": "write one JSON line per action to stdout (summaries stay on stderr)",
        "project": "the project to migrate (default: the one around the current directory)",
        "global_only": "install or update the global runtime only; leave every project alone",
    }
)
def migrate(c, dry_run=False, json=False, project=None, global_only=False):
    """Install the global runtime (~/.kittify) and reduce .kittify/ to real overrides.

    The project's .kittify/ keeps only its customised files; safe to run again (it then changes
    nothing and says so)."""
    import sys
    from pathlib import Path

    from spec_kitty.jsonl import ScriptError, write_record
    from spec_kitty.runtime.migrate import (
        action_records,
        ensure_global_runtime,
        migrate_project,
        raise_conflicts,
    )
    from spec_kitty.runtime.resolve import find_project

    root = None
    if not global_only:
        root = find_project(Path(project) if project else None)
        if root is None:
            raise ScriptError(
                f"no .kittify/ at or above {Path(project or '.').resolve()}; cd into a project, "
                "or run `spec-kitty migrate --global-only` to install the global runtime alone"
            )
    reports = [ensure_global_runtime(dry_run=dry_run)]
    if root is not None:
        reports.append(migrate_project(root, dry_run=dry_run))
    if json:
        for report in reports:
            for record in action_records(report, dry_run):
                write_record(sys.stdout, record)
    for report in reports[1:]:
        raise_conflicts(report)


TASKS = [migrate]
