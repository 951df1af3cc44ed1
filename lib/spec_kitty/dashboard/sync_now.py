"""The dashboard's Sync now: `spec-kitty sync-now --json`, run as the user would run it.

It runs as its own process because the pipeline directs Ctrl-C per stage, which only a main
thread can do; the page's request waits for it and gets its summary and its messages.
"""

import json
import subprocess
import threading

from spec_kitty.sync.pipeline import console_script

MESSAGE_LINES = 40

_one_at_a_time = threading.Lock()


def run_sync_now() -> dict:
    """{exit_code, summary (sync-now's --json object, or None), messages (its stderr lines)}."""
    with _one_at_a_time:
        done = subprocess.run(
            [console_script("spec-kitty"), "sync-now", "--json"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
        )
    summary = None
    for line in reversed(done.stdout.splitlines()):
        try:
            summary = json.loads(line)
            break
        except ValueError:
            continue
    messages = [line for line in done.stderr.splitlines() if line.strip()]
    return {
        "exit_code": done.returncode,
        "summary": summary if isinstance(summary, dict) else None,
        "messages": messages[-MESSAGE_LINES:],
    }
