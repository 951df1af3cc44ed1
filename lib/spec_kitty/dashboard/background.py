"""The detached dashboard process behind `spec-kitty dashboard --background`.

It reads {root, token, port} as one JSON line on stdin, serves, writes {url, port, pid} as one
line on stdout once the page answers, and from then on has no terminal: its output goes nowhere
and `spec-kitty dashboard --stop` (a TERM) ends it.
"""

import json
import os
import signal
import sys
from pathlib import Path

from spec_kitty.dashboard.running import serve
from spec_kitty.jsonl import ScriptError


def main() -> int:
    request = json.loads(sys.stdin.readline())
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        serve(Path(request["root"]), request["token"], int(request["port"]), _detach)
    except ScriptError as exc:
        print(f"spec-kitty dashboard: {exc}", file=sys.stderr, flush=True)
        return exc.exit_code
    except KeyboardInterrupt:
        pass
    return 0


def _detach(info: dict) -> None:
    print(json.dumps(info), flush=True)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
