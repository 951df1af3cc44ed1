"""collapse-lanes: rewrite status-event lanes from the canonical model to the 4 sync lanes."""

import sys

from spec_kitty.events.lanes import LANES, collapse_table
from spec_kitty.flags import script_parser
from spec_kitty.jsonl import EXIT_SOME_FAILED, dumps, read_records, run_script, stdin_bytes, warn

_TABLE = "".join(f"  {line}\n" for line in collapse_table())
HELP = f"""\
Reads events as JSON lines on stdin and writes them to stdout with the from_lane/to_lane of every
WPStatusChanged payload collapsed to the sync lanes ({", ".join(LANES)}):
{_TABLE}\
Other events pass through untouched. An event with an unknown lane is not passed on: an error
record {{"event_id", "event_type", "aggregate_id", "status": "invalid", "category":
"unknown_lane", "reason", "expected"}} goes to stderr, and the exit code is 1. queue-ack reads
such records too and holds those events (sync-now does this by itself).

example:
  queue-export | collapse-lanes | batch-send | queue-ack
  queue-export | collapse-lanes 2>unsent.jsonl | batch-send | queue-ack; queue-ack <unsent.jsonl
"""


def main() -> None:
    parser = script_parser("collapse-lanes", HELP)
    parser.parse_args()
    run_script("collapse-lanes", _run)


def _run() -> int:
    from spec_kitty.events.collapse import collapse_event, unsent_record
    from spec_kitty.events.lanes import UnknownLane

    failed = 0
    write = sys.stdout.write
    for event in read_records(stdin_bytes()):
        try:
            write(dumps(collapse_event(event)) + "\n")
        except UnknownLane as exc:
            failed += 1
            warn(dumps(unsent_record(event, exc)))
    return EXIT_SOME_FAILED if failed else 0


if __name__ == "__main__":
    main()
