"""enqueue: put events on the offline queue."""

import sys

from spec_kitty.flags import add_queue_option, script_parser
from spec_kitty.jsonl import EXIT_SOME_FAILED, read_lines, run_script, stdin_bytes

HELP = """\
Reads JSON lines on stdin: full event envelopes, or bare records
{"event_type", "aggregate_id", "payload"} that it completes with event id, Lamport clock, node id,
timestamp and the project identity (from --project-uuid/--project-slug or the current project's
.kittify/config.yaml). Writes one result line per input, in order:
{"event_id", "status": "queued" | "duplicate" | "invalid", "reason"?}. A status change with a
lane that is neither canonical nor an alias is invalid: the reason names it and the accepted ones.
Exit 0 when every record was queued or already queued, 1 when some were invalid, 2 on a malformed
line (the lines before it are queued), 5 when the queue is locked or the disk is full.

example:
  printf '%s\\n' '{"event_type": "ErrorLogged", "aggregate_id": "001-demo",
    "payload": {"error_type": "runtime", "error_message": "boom"}}' | jq -c . | enqueue
  queue-export | collapse-lanes | batch-send | queue-ack
"""


def main() -> None:
    parser = script_parser("enqueue", HELP)
    add_queue_option(parser)
    parser.add_argument("--project-uuid", help="project identity for bare records")
    parser.add_argument("--project-slug", help="project slug for bare records")
    args = parser.parse_args()
    run_script("enqueue", lambda: _run(args))


def _run(args) -> int:
    from spec_kitty.queue.intake import enqueue_batches, project_identity
    from spec_kitty.queue.store import Queue
    from spec_kitty.records import EnqueueStatus, enqueued_text

    identity = project_identity(args.project_uuid, args.project_slug)
    failed = 0
    with Queue(args.queue) as queue:
        batches = enqueue_batches(read_lines(stdin_bytes()), queue, identity, two_processes=True)
        for results in batches:
            failed += sum(result["status"] == EnqueueStatus.INVALID for result in results)
            sys.stdout.write(enqueued_text(results))
    return EXIT_SOME_FAILED if failed else 0


if __name__ == "__main__":
    main()
