"""The queue under storage faults: a full disk and a lock held too long, through the script."""

import json
import resource
import signal
import sqlite3
import subprocess

from factories import status_event
from kitty_testing import VENV_BIN, json_lines, run_installed


def lines(events):
    return "".join(json.dumps(e) + "\n" for e in events)


def small_file_limit():
    # The child sees a full disk: writes past 300 kB fail instead of killing it with SIGXFSZ.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (300_000, 300_000))


def test_a_full_disk_fails_clearly_and_keeps_what_was_queued(spec_kitty_home):
    earlier = [status_event() for _ in range(50)]
    assert run_installed("enqueue", input=lines(earlier)).returncode == 0
    done = subprocess.run(
        [str(VENV_BIN / "enqueue")],
        input=lines(status_event() for _ in range(3000)).encode(),
        capture_output=True,
        preexec_fn=small_file_limit,
    )
    assert done.returncode == 5
    message = done.stderr.decode()
    assert "event-queue.db: cannot write" in message and "is the disk full?" in message
    assert "Traceback" not in message
    exported = [e["event_id"] for e in json_lines(run_installed("queue-export").stdout)]
    assert exported[:50] == [e["event_id"] for e in earlier]


def test_a_queue_locked_too_long_exits_5_naming_the_file(spec_kitty_home):
    run_installed("enqueue", input=lines([status_event()]))
    holder = sqlite3.connect(spec_kitty_home / "event-queue.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        done = run_installed(
            "enqueue",
            input=lines([status_event()]),
            env={"SPEC_KITTY_QUEUE_TIMEOUT": "0.3"},
        )
    finally:
        holder.execute("ROLLBACK")
    assert done.returncode == 5
    assert done.stderr.decode().strip() == (
        f"enqueue: queue {spec_kitty_home / 'event-queue.db'} is locked by another process "
        "(waited 0.3s); nothing was lost, try again when it finishes"
    )
    assert len(json_lines(run_installed("queue-export").stdout)) == 1
