"""The outbox: where a command keeps the events the queue could not take, until the next sync.

Its place and what to do about it are read by everyone who counts what waits for sync, without
the machinery that completes and queues events (queue/emit.py).
"""

from pathlib import Path

from spec_kitty.homes import spec_kitty_home

OUTBOX_FILE = "event-outbox.jsonl"
OUTBOX_NEXT_STEP = "the next `spec-kitty sync-now` queues and sends them"


def outbox_path() -> Path:
    return spec_kitty_home() / OUTBOX_FILE
