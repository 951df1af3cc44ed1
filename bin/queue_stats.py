"""queue-stats: one JSON object describing the offline queue."""

import sys

from spec_kitty.flags import add_queue_option, positive_int, script_parser
from spec_kitty.jsonl import run_script, write_record

HELP = """\
Writes one JSON object to stdout: queue file, depth (pending events), dead_lettered (failed)
count, held count (events that cannot be sent as they are), counts by status, the oldest pending
event's timestamp and age in seconds, the retry-count distribution, the most frequent event
types, the most frequent failure reasons, and every reason events are held for.

example:
  queue-stats | jq '.depth, .top_failure_reasons, .held_reasons'
"""


def main() -> None:
    parser = script_parser("queue-stats", HELP)
    add_queue_option(parser)
    parser.add_argument(
        "--top", type=positive_int, default=5, help="how many types and reasons to list"
    )
    args = parser.parse_args()
    run_script("queue-stats", lambda: _run(args))


def _run(args) -> int:
    from spec_kitty.queue.store import Queue

    with Queue(args.queue) as queue:
        write_record(sys.stdout, queue.stats(args.top))
    return 0


if __name__ == "__main__":
    main()
