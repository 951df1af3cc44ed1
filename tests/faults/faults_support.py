"""Helpers of the fault tests: events, a filled queue, a login, sync-now as a killable process."""

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from kitty_testing import VENV_BIN, git  # noqa: F401 (git: used by the fault tests)

BATCH = "/api/v1/events/batch/"


def queue_rows() -> dict[str, dict]:
    """Every row of the queue by event_id: status, retry_count and the event as stored."""
    import sqlite3

    from spec_kitty.queue.store import queue_path

    if not queue_path().exists():
        return {}
    db = sqlite3.connect(queue_path())
    try:
        rows = db.execute("SELECT event_id, status, retry_count, data FROM events").fetchall()
    finally:
        db.close()
    return {
        event_id: {"status": status, "retry_count": retries, "event": json.loads(data)}
        for event_id, status, retries, data in rows
    }


def start(*command: str, **kwargs) -> subprocess.Popen:
    """A console script in its own process group (as a terminal runs it), output captured."""
    return subprocess.Popen(
        [str(VENV_BIN / command[0]), *command[1:]],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        **kwargs,
    )


def sync_now(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(VENV_BIN / "spec-kitty"), "sync-now", *args], capture_output=True, timeout=timeout
    )


def kill_group(process: subprocess.Popen) -> bytes:
    """SIGKILL the process and everything it started, then reap it; what it had printed."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    out, err = process.communicate(timeout=30)
    return out + err


def stored_tokens() -> list[bytes]:
    from spec_kitty.sync.credentials import CredentialStore

    creds = CredentialStore().load()
    return [creds.access.encode(), creds.refresh.encode()]


def children(pid: int) -> dict[str, int]:
    """The direct children of `pid` by console script name (the sync-now stages)."""
    found = {}
    try:
        listed = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return found
    for child in listed:
        try:
            argv = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        for arg in argv[:2]:
            name = Path(arg.decode(errors="replace")).name
            if name in ("queue-export", "collapse-lanes", "batch-send", "queue-ack"):
                found[name] = int(child)
    return found


def settled(count, pause: float = 0.05, rounds: int = 3, limit: float = 10.0) -> int:
    """`count()` once it has stayed the same for `rounds` looks in a row (a request the server
    was still handling when its client died has finished by then)."""
    deadline = time.monotonic() + limit
    last, same = count(), 0
    while same < rounds and time.monotonic() < deadline:
        time.sleep(pause)
        now = count()
        same = same + 1 if now == last else 0
        last = now
    return last


def summary_counts(stdout: bytes) -> tuple[int, int, int]:
    """(synced, duplicates, failed) from sync-now's first line."""
    first = stdout.decode().splitlines()[0]
    parts = dict(part.split(": ") for part in first.split(" (")[0].split(", "))
    return int(parts["Synced"]), int(parts["Duplicates"]), int(parts["Failed"])


def spec_kitty(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(VENV_BIN / "spec-kitty"), *args], cwd=root, capture_output=True, timeout=60
    )
