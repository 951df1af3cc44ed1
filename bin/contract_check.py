"""contract-check: replay the contract fixtures against a server and report each difference."""

import os
import sys

from spec_kitty.flags import script_parser, seconds
from spec_kitty.jsonl import EXIT_SOME_FAILED, ScriptError, run_script, warn, write_record

HELP = """\
Replays every fixture in contracts/fixtures/ (or --fixtures DIR) against the server at --server
and writes one JSON line per fixture to stdout: {"fixture", "status": "pass"} or
{"fixture", "status": "fail", "step", "request", "differences": [{"path", "expected", "found"}]}
or {"fixture", "status": "skip", "reason"}. A summary goes to stderr; the exit code is 1 if any
fixture failed, 3 if the server cannot be reached, 4 if the checking user cannot log in.

The checking user must be allowed to write to --project and --other-project and must not be
allowed to write to --forbidden-project. The password is read from stdin (--password-stdin) or from
SPEC_KITTY_CONTRACT_PASSWORD; the username may come from SPEC_KITTY_CONTRACT_USERNAME. The
expired-token fixture needs an expired access token this server issued, in
SPEC_KITTY_CONTRACT_EXPIRED_TOKEN; without one it is skipped. Tokens and passwords never appear
in the output.

example:
  echo checker:s3cret | spec-kitty serve --user-stdin \\
      --project checker:0b5d9a3e-2c1f-4e8a-9b7d-3f6e1a2c4d5e \\
      --project checker:00000000-0000-4000-8000-00000000002a &
  echo s3cret | contract-check --server http://127.0.0.1:8000 --username checker \\
      --password-stdin | jq -c 'select(.status != "pass")'
"""

DEFAULT_PROJECT = "0b5d9a3e-2c1f-4e8a-9b7d-3f6e1a2c4d5e"
DEFAULT_FORBIDDEN_PROJECT = "00000000-0000-4000-8000-000000000403"


def main() -> None:
    from spec_kitty.contract.check import DEFAULT_OTHER_PROJECT

    parser = script_parser("contract-check", HELP)
    parser.add_argument("--server", required=True, help="base URL, e.g. https://sync.example.com")
    parser.add_argument(
        "--username",
        default=os.environ.get("SPEC_KITTY_CONTRACT_USERNAME"),
        help="the checking user (default: $SPEC_KITTY_CONTRACT_USERNAME)",
    )
    parser.add_argument(
        "--password-stdin", action="store_true", help="read the password from the first stdin line"
    )
    parser.add_argument(
        "--project",
        default=DEFAULT_PROJECT,
        help=f"a project the user may write (default {DEFAULT_PROJECT})",
    )
    parser.add_argument(
        "--forbidden-project",
        default=DEFAULT_FORBIDDEN_PROJECT,
        help=f"a project it may not write (default {DEFAULT_FORBIDDEN_PROJECT})",
    )
    parser.add_argument(
        "--other-project",
        default=DEFAULT_OTHER_PROJECT,
        help=f"a second project the user may write (default {DEFAULT_OTHER_PROJECT})",
    )
    parser.add_argument("--fixtures", help="fixture directory (default: the shipped contracts)")
    parser.add_argument("--ca-cert", help="CA certificate to trust for https (self-signed servers)")
    parser.add_argument("--timeout", type=seconds, default=30.0, help="seconds per request")
    args = parser.parse_args()
    run_script("contract-check", lambda: _run(args))


def _run(args) -> int:
    from pathlib import Path

    from spec_kitty.contract.check import CheckSettings, check_all, load_fixtures

    if not args.username:
        raise ScriptError("give --username or set SPEC_KITTY_CONTRACT_USERNAME")
    password = (
        sys.stdin.readline().rstrip("\r\n")
        if args.password_stdin
        else os.environ.get("SPEC_KITTY_CONTRACT_PASSWORD")
    )
    if not password:
        raise ScriptError(
            "give the password on stdin (--password-stdin) or in SPEC_KITTY_CONTRACT_PASSWORD"
        )
    settings = CheckSettings(
        server=args.server,
        username=args.username,
        password=password,
        project_uuid=args.project,
        forbidden_project_uuid=args.forbidden_project,
        other_project_uuid=args.other_project,
        expired_access_token=os.environ.get("SPEC_KITTY_CONTRACT_EXPIRED_TOKEN"),
        ca_cert=args.ca_cert,
        timeout=args.timeout,
    )
    fixtures = load_fixtures(Path(args.fixtures) if args.fixtures else None)
    counts = {"pass": 0, "fail": 0, "skip": 0}
    for outcome in check_all(settings, fixtures):
        counts[outcome["status"]] += 1
        write_record(sys.stdout, outcome)
        sys.stdout.flush()
        if outcome["status"] != "pass":
            warn(f"{outcome['fixture']}: {outcome['status']} {outcome.get('reason', '')}".rstrip())
    warn(
        f"contract-check {args.server}: {counts['pass']} passed, {counts['fail']} failed, "
        f"{counts['skip']} skipped of {len(fixtures)} fixtures"
    )
    return EXIT_SOME_FAILED if counts["fail"] else 0


if __name__ == "__main__":
    main()
