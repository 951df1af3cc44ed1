"""Huge inputs: a 10 MB line through the queue scripts, and a million events streamed through
collapse-lanes, with the peak memory of each script measured."""

import json
import os
import subprocess
import sys
import threading

import pytest
from factories import envelope
from faults_support import VENV_BIN

MB = 1024 * 1024

# Linux keeps a process's peak memory across exec, so a script started straight from this (large)
# test process would inherit its size; a small launcher starts it and reports its peak instead.
LAUNCHER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
open(sys.argv[1], "w").write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status) % 256)
"""


def launch(tmp_path, name: str, *args: str) -> tuple[subprocess.Popen, object]:
    """Script `name` with piped stdio; and a function giving its peak memory in MB once done."""
    report = tmp_path / f"peak-{name}-{os.urandom(4).hex()}"
    child = subprocess.Popen(
        [sys.executable, "-c", LAUNCHER, str(report), str(VENV_BIN / name), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    return child, lambda: int(report.read_text()) / 1024


def run_measured(tmp_path, name: str, chunks, *args: str) -> tuple[int, bytes, bytes, float]:
    """Run script `name`, feeding it `chunks` (an iterable of bytes) from a thread as it reads;
    returns (exit code, stdout, stderr, peak memory in MB)."""
    child, peak = launch(tmp_path, name, *args)

    def feed():
        try:
            for chunk in chunks:
                child.stdin.write(chunk)
            child.stdin.close()
        except BrokenPipeError:
            pass

    feeder = threading.Thread(target=feed)
    feeder.start()
    errors = []
    reader = threading.Thread(target=lambda: errors.append(child.stderr.read()))
    reader.start()
    out = child.stdout.read()
    feeder.join()
    reader.join()
    child.wait()
    return child.returncode, out, errors[0], peak()


def big_event(size: int) -> dict:
    event = envelope(1, to_lane="claimed")
    event["payload"]["notes"] = "x" * size
    return event


def test_a_10_mb_event_travels_enqueue_export_collapse_whole(spec_kitty_home, tmp_path):
    event = big_event(10 * MB)
    line = json.dumps(event).encode() + b"\n"

    queued = run_measured(tmp_path, "enqueue", [line])
    exported = run_measured(tmp_path, "queue-export", [])
    collapsed = run_measured(tmp_path, "collapse-lanes", [exported[1]])
    checked = run_measured(tmp_path, "validate-events", [collapsed[1]])

    assert queued[0] == 0 and json.loads(queued[1])["status"] == "queued", queued[2]
    assert exported[0] == 0 and json.loads(exported[1]) == event
    assert collapsed[0] == 0
    assert json.loads(collapsed[1])["payload"] == {**event["payload"], "to_lane": "doing"}
    assert checked[0] == 0 and checked[1] == b"", checked[2]
    for _code, _out, err, peak in (queued, exported, collapsed, checked):
        print(f"peak memory with one 10 MB event: {peak:.1f} MB")
        assert b"Traceback" not in err
        assert peak < 150, f"{peak:.0f} MB for one 10 MB event"


@pytest.mark.parametrize("name", ["enqueue", "collapse-lanes", "validate-events", "queue-ack"])
def test_a_10_mb_line_that_is_not_json_is_named_in_one_short_line(spec_kitty_home, tmp_path, name):
    record = {"event_id": "01JB0000000000000000000000", "status": "success"}
    good = json.dumps(record if name == "queue-ack" else envelope(0)).encode() + b"\n"
    junk = b'{"event_id": "' + b"z" * (10 * MB) + b"\n"

    code, _out, err, peak = run_measured(tmp_path, name, [good, junk, good])

    assert code == 2
    assert b"line 2" in err and b"Traceback" not in err
    # The message names the line; it never echoes megabytes of it back at the user.
    assert len(err) < 2000, err[:300]
    assert peak < 150


def status_lines(count: int, block: int = 10_000):
    """`count` status events as JSON lines, made a block at a time, never all at once."""
    template = (
        b'{"event_id":"01JB%022d","event_type":"WPStatusChanged","aggregate_id":"WP01",'
        b'"payload":{"wp_id":"WP01","from_lane":"claimed","to_lane":"blocked"}}\n'
    )
    for start in range(0, count, block):
        yield b"".join(template % i for i in range(start, min(count, start + block)))


@pytest.mark.slow
def test_a_million_events_stream_through_collapse_lanes_in_bounded_memory(tmp_path):
    child, peak = launch(tmp_path, "collapse-lanes")
    count = 1_000_000

    def feed():
        for chunk in status_lines(count):
            child.stdin.write(chunk)
        child.stdin.close()

    feeder = threading.Thread(target=feed)
    feeder.start()
    lines, tail = 0, b""
    while data := child.stdout.read1(1 << 20):
        lines += data.count(b"\n")
        tail = (tail + data)[-400:]
    feeder.join()
    err = child.stderr.read()
    child.wait()

    assert child.returncode == 0, err
    assert lines == count
    last = json.loads(tail.splitlines()[-1])
    assert last["event_id"] == f"01JB{count - 1:022d}"
    assert (last["payload"]["from_lane"], last["payload"]["to_lane"]) == ("doing", "doing")
    print(f"collapse-lanes: {count} events, peak memory {peak():.1f} MB")
    assert peak() < 150
