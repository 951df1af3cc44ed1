"""resolve-template: which file a template name resolves to, and from which tier."""

import sys
from pathlib import Path

from spec_kitty.flags import script_parser
from spec_kitty.jsonl import (
    EXIT_SOME_FAILED,
    read_records,
    run_script,
    stdin_bytes,
    warn,
    write_record,
)

HELP = """\
Reads requests as JSON lines on stdin: {"name": "spec-template.md", "mission": "software-dev"}
("mission" defaults to software-dev; "kind" is "template" (default), "command" for a command
prompt, or "mission" for the mission's mission.yaml, whose name may then be left out).
Writes one JSON line per request to stdout: {"name", "mission", "kind", "path", "tier"}, tier one
of project-mission, project, global-mission, global, package; or {"name", "mission", "kind",
"error"} when it cannot be resolved (exit code 1 at the end). With --explain each line also lists
"looked_in": every [tier, path] tried, in order, and "skipped": every [tier, path, why] passed
over (spec-kitty's own stock copies in the shared global runtime, which it rewrites on every
start and whose placeholders are not ours).

Tiers: <project>/.kittify/missions/<mission>/templates/, <project>/.kittify/templates/,
$KITTIFY_HOME/missions/<mission>/templates/, $KITTIFY_HOME/templates/, the package defaults.
A project still in the 1.x layout resolves from its own .kittify/ only and is told to run
`spec-kitty migrate`.

example:
  echo '{"name": "plan-template.md", "mission": "research"}' | resolve-template --explain | jq .
"""


def main() -> None:
    parser = script_parser("resolve-template", HELP)
    parser.add_argument("--explain", action="store_true", help="list every tier looked in")
    parser.add_argument(
        "--project", help="project directory (default: the one around the current directory)"
    )
    args = parser.parse_args()
    run_script("resolve-template", lambda: _run(args))


def _run(args) -> int:
    from spec_kitty.runtime.notice import tell_if_unmigrated
    from spec_kitty.runtime.resolve import (
        DEFAULT_MISSION,
        TemplateError,
        find_project,
        resolve_mission,
        resolve_template,
    )

    root = find_project(Path(args.project) if args.project else None)
    if root is not None:
        tell_if_unmigrated(root)
    failed = 0
    for request in read_records(stdin_bytes()):
        kind = "template" if request.get("kind") is None else request["kind"]
        # The mission used, also when the request left it to the default.
        mission = request.get("mission")
        mission = DEFAULT_MISSION if mission in (None, "") else mission
        echo = {"name": request.get("name"), "mission": mission, "kind": kind}
        try:
            if kind == "mission":
                found = resolve_mission(request.get("mission"), root)
            else:
                found = resolve_template(request.get("name"), request.get("mission"), root, kind)
            record = {**echo, "path": str(found.path), "tier": found.tier}
            looked, skipped = found.looked_in, found.skipped
        except TemplateError as exc:
            failed += 1
            record, looked, skipped = {**echo, "error": str(exc)}, exc.looked_in, exc.skipped
        if args.explain:
            record["looked_in"] = [[tier, str(path)] for tier, path in looked]
            record["skipped"] = [[tier, str(path), why] for tier, path, why in skipped]
        write_record(sys.stdout, record)
    if failed:
        warn(f"resolve-template: {failed} request(s) could not be resolved")
    return EXIT_SOME_FAILED if failed else 0


if __name__ == "__main__":
    main()
