"""batch-send: post queued events to the sync server and write one result line per event."""

import sys

from spec_kitty.flags import script_parser
from spec_kitty.jsonl import run_script, stdin_bytes, warn

HELP = """\
Reads event envelopes as JSON lines on stdin (sync lanes: pipe through collapse-lanes first) and
POSTs them gzip-compressed to <server>/api/v1/events/batch/ with the stored login
(`spec-kitty auth-login`), in chunks bounded by count and size. As each chunk is answered it writes
one line per event the server settled:
  {"event_id", "status": "success" | "duplicate" | "rejected",
   "error"?, "error_code"?, "category"?, "event_type"?, "aggregate_id"?,
   "details"?}
category is one of schema_mismatch, auth_expired, unknown_lane, forbidden, conflict,
oversized_event, server_error, unknown; details are the server's own per-event details, when it
gave any.
Events the server gave no verdict on get no line (they stay queued) and a warning on stderr.
The access token is refreshed when due and after a 401. 429 and 5xx are retried with backoff.
Exit 0 all accepted; 1 some rejected or left without a result; 2 bad input or usage;
3 offline or the server kept failing (nothing lost); 4 log in again. With --json-stop, a run that
ends early says why as one JSON line on stderr instead of a line of text:
  {"stopped": {"reason": "offline" | "throttled" | "server_error" | "login_needed" | "stopped",
   "detail", "http_status", "server_text"}, "message"}

example:
  queue-export | collapse-lanes | batch-send | queue-ack
"""


def main() -> None:
    from spec_kitty.sync.send_options import add_send_flags

    parser = script_parser("batch-send", HELP)
    parser.add_argument("--server", help="server URL (default: the server of the stored login)")
    parser.add_argument(
        "--allow-insecure-http", action="store_true", help="allow http:// to a non-local host"
    )
    add_send_flags(parser)
    parser.add_argument("--progress", action="store_true", help="report progress on stderr")
    parser.add_argument(
        "--json-stop",
        action="store_true",
        help="say why a run ended early as a JSON line on stderr (as sync-now reads it)",
    )
    args = parser.parse_args()
    run_script("batch-send", lambda: _run(args))


def _run(args) -> int:
    from spec_kitty.jsonl import ScriptError, dumps
    from spec_kitty.sync.send import open_sender, send_events
    from spec_kitty.sync.send_options import from_args
    from spec_kitty.sync.stop import stop_record

    options = from_args(args, server=args.server, progress=args.progress)
    try:
        return send_events(
            stdin_bytes(),
            sys.stdout,
            options,
            lambda: open_sender(options, args.allow_insecure_http, warn),
            warn,
        )
    except ScriptError as exc:
        if not args.json_stop:
            raise
        warn(dumps(stop_record(exc)))
        return exc.exit_code


if __name__ == "__main__":
    main()
