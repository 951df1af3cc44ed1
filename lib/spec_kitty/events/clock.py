"""This machine's identity and its Lamport clock, persisted across processes and restarts.

One small JSON file in the spec-kitty home holds both; every tick takes an exclusive file lock and
replaces the file atomically, so concurrent processes never hand out the same clock value and a
crash mid-write leaves the previous value intact.
"""

import json
import os
from contextlib import contextmanager
from pathlib import Path

from spec_kitty.atomic import remove_leftovers, replace_file
from spec_kitty.filelock import file_lock
from spec_kitty.homes import ensure_private_dir, spec_kitty_home
from spec_kitty.jsonl import EXIT_STORAGE, ScriptError

CLOCK_FILE = "event-clock.json"


def clock_path() -> Path:
    return spec_kitty_home() / CLOCK_FILE


@contextmanager
def _locked_state(path: Path):
    ensure_private_dir(path.parent)
    with file_lock(path.with_name(path.name + ".lock")):
        state = _read_state(path)
        yield state
        _write_state(path, state)


class ClockError(ScriptError):
    """The clock file exists but cannot be trusted; resetting it could reuse clock values."""

    exit_code = EXIT_STORAGE


def _read_state(path: Path) -> dict:
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        # 12 random hex digits; os.urandom rather than uuid4, whose import costs every command.
        return {"node_id": os.urandom(6).hex(), "lamport_clock": 0}
    try:
        state = json.loads(text)
        if isinstance(state["lamport_clock"], int) and isinstance(state["node_id"], str):
            return state
    except (ValueError, TypeError, KeyError):
        pass
    raise ClockError(
        f'clock file {path} is damaged: expected {{"node_id": str, "lamport_clock": int}}; '
        "restore it or remove it to start a new node identity"
    )


def _write_state(path: Path, state: dict) -> None:
    remove_leftovers(path)  # under the clock lock
    replace_file(path, json.dumps(state))


def tick(count: int = 1, path: Path | None = None) -> tuple[str, range]:
    """Reserve `count` consecutive clock values; returns (node_id, the values)."""
    with _locked_state(path or clock_path()) as state:
        first = state["lamport_clock"] + 1
        state["lamport_clock"] += count
        return state["node_id"], range(first, first + count)


class Reservations:
    """Clock values for a long stream of events, handed out from ranges reserved with `tick`.

    Each range is twice the last (from what is first asked, up to `largest`), so 100,000 events
    take the clock lock a handful of times instead of once a batch. Values left over when the
    stream ends are never used by anyone: the clock only has to increase, not be dense.
    """

    def __init__(self, path: Path | None = None, largest: int = 65536):
        self.path = path
        self.largest = largest
        self.node = ""
        self.free = range(0)
        self.size = 0

    def take(self, count: int) -> tuple[str, range]:
        """(node_id, `count` consecutive clock values above every one handed out before)."""
        if count > len(self.free):
            self.size = min(max(count, 2 * self.size), max(count, self.largest))
            self.node, self.free = tick(self.size, self.path)
        taken, self.free = self.free[:count], self.free[count:]
        return self.node, taken


def node_id(path: Path | None = None) -> str:
    """The stable identity of this machine, created on first use."""
    with _locked_state(path or clock_path()) as state:
        return state["node_id"]
