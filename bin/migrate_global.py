"""migrate-global: install the global runtime and migrate projects onto it, as JSON lines."""

import sys
from pathlib import Path

from spec_kitty.flags import script_parser
from spec_kitty.jsonl import read_records, run_script, stdin_bytes

HELP = """\
Installs or updates the package defaults in $KITTIFY_HOME (default ~/.kittify: templates/,
missions/, manifest.json; files spec-kitty itself manages there are left alone), then migrates
each PROJECT given: every file of its .kittify/ is compared with the defaults of every spec-kitty
release and of this toolkit; unmodified copies are removed, edited and project-only files are
kept byte for byte (moved out of 1.x locations), a mission this toolkit does not ship is kept
whole, configuration is left alone except that a config.yaml without a sync identity gets one,
.worktrees/ is ignored, and the project is marked migrated and committed (--no-commit: not).
With PROJECT "-", project directories are read from stdin as JSON lines {"project": "/path"}.

Writes one JSON line per file to stdout: {"scope": "global"|"project", "action", "path", "to"?,
"origin"?, "reason"?, "home"|"project", "dry_run"}; project paths are relative to the project.
Actions: install, update, unchanged, skip-user-edited, skip-spec-kitty, retire (global);
remove-identical, remove-duplicate, move-override, keep-override, keep-mission,
untouched-config, add-identity, ignore-worktrees, conflict, mark-migrated (project). Origins:
"stock 1.0.3" (a spec-kitty release's default), "toolkit default 0.1.0", "edited",
"project-only", "configuration". A summary per runtime goes to stderr. Running it again changes
nothing and says so. Exit 1 when a project had conflicts (that project is left unchanged).

example:
  find ~/code -maxdepth 2 -name .kittify -printf '{"project": "%h"}\\n' \\
    | migrate-global --dry-run - | jq -r 'select(.action != "unchanged") | [.action, .path] | @tsv'
"""


def main() -> None:
    parser = script_parser("migrate-global", HELP)
    parser.add_argument("projects", nargs="*", metavar="PROJECT", help="project directory, or -")
    parser.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    parser.add_argument(
        "--no-commit", action="store_true", help="change each project's files, commit nothing"
    )
    args = parser.parse_args()
    run_script("migrate-global", lambda: _run(args))


def _run(args) -> int:
    from spec_kitty.jsonl import EXIT_SOME_FAILED, warn
    from spec_kitty.runtime.migrate import migrate_and_write

    conflicted = migrate_and_write(
        _projects(args.projects),
        sys.stdout,
        dry_run=args.dry_run,
        commit=not args.no_commit,
        conflicted=lambda conflict: warn(f"migrate-global: {conflict}"),
    )
    return EXIT_SOME_FAILED if conflicted else 0


def _projects(arguments: list[str]):
    from spec_kitty.jsonl import ScriptError

    for argument in arguments:
        if argument != "-":
            yield Path(argument)
            continue
        for record in read_records(stdin_bytes()):
            if not isinstance(record.get("project"), str):
                raise ScriptError(f'expected {{"project": "DIR"}}, got {record}')
            yield Path(record["project"])


if __name__ == "__main__":
    main()
