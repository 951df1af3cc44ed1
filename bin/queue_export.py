"""queue-export: write queued events as JSON lines, oldest first."""

import sys

from spec_kitty.flags import add_queue_option, positive_int, script_parser
from spec_kitty.jsonl import run_script

HELP = """\
Writes the events of the offline queue to stdout, one JSON envelope per line, in FIFO order
(timestamp, then arrival). By default only pending events; dead-lettered (failed) events are
included with --include-failed, or chosen alone with --status failed; held events (which cannot
be sent as they are) only with --status held, so no sync offers them again. Lanes stay
canonical: pipe through collapse-lanes before sending.

example:
  queue-export --limit 100 | collapse-lanes | validate-events
"""


def main() -> None:
    from spec_kitty.queue.store import STATUSES

    parser = script_parser("queue-export", HELP)
    add_queue_option(parser)
    parser.add_argument("--limit", type=positive_int, help="export at most N events")
    parser.add_argument(
        "--status",
        choices=STATUSES,
        default="pending",
        help="which events (default pending)",
    )
    parser.add_argument(
        "--include-failed", action="store_true", help="pending and dead-lettered events together"
    )
    args = parser.parse_args()
    run_script("queue-export", lambda: _run(args))


def _run(args) -> int:
    from spec_kitty.queue.store import Queue

    statuses = ("pending", "failed") if args.include_failed else (args.status,)
    write = sys.stdout.write
    with Queue(args.queue) as queue:
        for data in queue.export(statuses, args.limit):
            write(data + "\n")
    return 0


if __name__ == "__main__":
    main()
