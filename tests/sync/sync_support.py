"""Helpers of the sync tests: reading the queue, 2.x queue files, batch answers, free ports."""

import gzip
import json
import socket
import sqlite3

from kitty_testing import VENV_BIN  # noqa: F401 (shared with the sync tests from here)
from spec_kitty.queue.store import Queue
from werkzeug import Response

BATCH = "/api/v1/events/batch/"


def queued_ids() -> list[str]:
    with Queue() as queue:
        return [json.loads(data)["event_id"] for data in queue.export(("pending", "failed"))]


def sent_events(request) -> list[dict]:
    """The events of a batch request, as the server received them."""
    return json.loads(gzip.decompress(request.get_data()))["events"]


def answer(results: list[dict], status: int = 200, headers: dict | None = None) -> Response:
    return Response(
        json.dumps({"results": results}), status, headers, content_type="application/json"
    )


def all_succeed(request) -> Response:
    return answer([{"event_id": e["event_id"], "status": "success"} for e in sent_events(request)])


def closed_port_url() -> str:
    """A loopback URL nothing listens on: connections are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# The queue table of spec-kitty 2.x clients.
SCHEMA_2X = """
CREATE TABLE queue (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT UNIQUE NOT NULL,
    event_type TEXT NOT NULL,
    data TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    retry_count INTEGER DEFAULT 0,
    coalesce_key TEXT
)
"""


def make_2x_queue(path, events, wal=False):
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    if wal:
        db.execute("PRAGMA journal_mode=WAL")
    db.execute(SCHEMA_2X)
    db.executemany(
        "INSERT INTO queue (event_id, event_type, data, timestamp, retry_count, coalesce_key)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [
            (e["event_id"], e["event_type"], json.dumps(e), 1767225600 + n, n % 3, None)
            for n, e in enumerate(events)
        ],
    )
    db.commit()
    db.close()
    return path
