"""queue-import: write the unsynced events of a spec-kitty 2.x queue as envelopes."""

import sys
from pathlib import Path

from spec_kitty.flags import script_parser
from spec_kitty.jsonl import EXIT_SOME_FAILED, dumps, run_script, warn

HELP = """\
Reads a spec-kitty 2.x queue file (SQLite, table `queue`) strictly read-only and writes each of
its queued events to stdout as one JSON envelope per line, oldest first, lanes as 2.x queued
them (canonical; collapse-lanes rewrites them at send time). Without a path it reads
$SPEC_KITTY_HOME/queue.db and the one $SPEC_KITTY_HOME/queues/queue-*.db (2.x keeps a queue per
login: with several there, name yours, so no other login's events are sent under yours). The 2.x
files are never changed. Exit 0 done; 1 some rows held no JSON event (skipped, named on stderr);
2 a file that is not a 2.x queue, or several login queues and none named.

example:
  queue-import | enqueue          # carry the events over, deduplicated by event_id
  queue-import ~/old/queue.db | jq -r .event_type | sort | uniq -c
"""


def main() -> None:
    parser = script_parser("queue-import", HELP)
    parser.add_argument("paths", nargs="*", type=Path, help="2.x queue files (default: found)")
    args = parser.parse_args()
    run_script("queue-import", lambda: _run(args))


def _run(args) -> int:
    from spec_kitty.sync.legacy_queue import default_queue_files, legacy_events

    paths = args.paths or default_queue_files()
    if not paths:
        warn("queue-import: no spec-kitty 2.x queue found; nothing to import")
        return 0
    skipped = 0

    def note(message: str) -> None:
        nonlocal skipped
        skipped += 1
        warn(f"queue-import: {message}")

    write = sys.stdout.write
    for path in paths:
        for event in legacy_events(path, note):
            write(dumps(event) + "\n")
    return EXIT_SOME_FAILED if skipped else 0


if __name__ == "__main__":
    main()
