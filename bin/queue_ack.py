"""queue-ack: apply batch-send's results to the offline queue."""

import signal
import sys

from spec_kitty.flags import add_queue_option, positive_int, script_parser
from spec_kitty.jsonl import EXIT_SOME_FAILED, run_script, stdin_bytes, warn, write_record

HELP = """\
Reads result lines {"event_id", "status", ...} (as batch-send writes them) on stdin and applies
them to the queue, one transaction per chunk of lines as they arrive: success and duplicate remove
the event; rejected keeps it with retry_count + 1, the time and the reason, and dead-letters it
(status failed) after --max-rejections, except that a rejection for the server's own fault
(category server_error) leaves the event as it was. An "invalid" line, as collapse-lanes writes
to stderr for an event it cannot send, holds that event with its reason: it is not exported
again until requeued or released by sync-now (see sync-diagnose). Result ids not in the queue are
reported on stderr. Writes to stdout one line per rejection or hold, {...the result, "outcome":
"rejected" | "dead_lettered" | "kept" | "held", "retry_count"}, and last a summary line
{"summary": {"success", "duplicate", "rejected", "dead_lettered", "kept", "held",
"unknown_event", "ignored"}}.
Exit 0 when every result was applied, 1 when some named unknown events or statuses, 2 on a
malformed line (the lines before it are applied), 5 when the queue is locked or the disk is full.

While reading from a pipe it ignores Ctrl-C, so that what the server acknowledged before an
interrupted sync is still applied; it stops when the sender stops.

example:
  queue-export | collapse-lanes | batch-send | queue-ack
  queue-export | collapse-lanes 2>unsent.jsonl | batch-send | queue-ack; queue-ack <unsent.jsonl
"""


def main() -> None:
    from spec_kitty.queue.store import DEFAULT_MAX_REJECTIONS

    parser = script_parser("queue-ack", HELP)
    add_queue_option(parser)
    parser.add_argument(
        "--max-rejections",
        type=positive_int,
        default=DEFAULT_MAX_REJECTIONS,
        help=f"rejections before an event is dead-lettered (default {DEFAULT_MAX_REJECTIONS})",
    )
    parser.add_argument("--quiet", action="store_true", help="no summary line on stderr")
    args = parser.parse_args()
    run_script("queue-ack", lambda: _run(args))


def _run(args) -> int:
    from spec_kitty.queue.store import Queue
    from spec_kitty.records import summary_line
    from spec_kitty.sync.ack import apply_results

    if not sys.stdin.isatty():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    with Queue(args.queue) as queue:
        summary = apply_results(
            stdin_bytes(),
            queue,
            args.max_rejections,
            lambda line: write_record(sys.stdout, line),
            warn,
        )
    write_record(sys.stdout, summary_line(summary))
    if not args.quiet:
        warn(f"queue-ack: {summary.describe()}")
    return EXIT_SOME_FAILED if summary.unknown_event or summary.ignored else 0


if __name__ == "__main__":
    main()
