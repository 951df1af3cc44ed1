"""validate-events: check a stream of events against the contract schemas, after lane collapse."""

import sys

from spec_kitty.flags import script_parser
from spec_kitty.jsonl import EXIT_SOME_FAILED, read_records, run_script, stdin_bytes, warn

HELP = """\
Reads events as JSON lines on stdin, collapses the lanes of status events to the 4 sync lanes as
sending would, and checks each event against contracts/schemas/. Writes one JSON line per
problem to stdout: {"event_id", "path", "found", "expected", "code", "message"}, where code is
schema_mismatch or unknown_lane. Ends with the number of events checked and counts by problem on
stderr; the exit code is 1 when any event is invalid.

example:
  queue-export | validate-events | jq -r .message
"""


def main() -> None:
    parser = script_parser("validate-events", HELP)
    parser.parse_args()
    run_script("validate-events", _run)


def _run() -> int:
    from spec_kitty.events.validate import Tally
    from spec_kitty.jsonl import dumps

    tally = Tally()
    write = sys.stdout.write
    for event in read_records(stdin_bytes()):
        for problem in tally.check(event):
            write(dumps(problem.to_dict()) + "\n")
    warn("validate-events: " + "\n".join(tally.summary()))
    return EXIT_SOME_FAILED if tally.invalid else 0


if __name__ == "__main__":
    main()
