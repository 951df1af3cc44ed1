"""Helpers of the sync tests: valid envelopes, a filled queue, a stored login, batch answers."""

import gzip
import json
import socket
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from spec_kitty.queue.store import Queue
from werkzeug import Response

PROJECT = "7d1e6b52-3a0f-4c55-9a59-3c3f1a2b4c5d"
BATCH = "/api/v1/events/batch/"
VENV_BIN = Path(sys.executable).parent


def envelope(i: int, to_lane: str = "in_progress", project: str = PROJECT) -> dict:
    return {
        "event_id": f"01JAAAAAAA{i:016d}",
        "event_type": "WPStatusChanged",
        "aggregate_id": "WP01",
        "aggregate_type": "WorkPackage",
        "payload": {
            "wp_id": "WP01",
            "from_lane": "planned",
            "to_lane": to_lane,
            "actor": "test",
            "feature_slug": "001-sync",
        },
        "timestamp": (datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=i)).isoformat(),
        "node_id": "test-node",
        "lamport_clock": i + 1,
        "causation_id": None,
        "correlation_id": None,
        "project_uuid": project,
        "project_slug": "sync",
        "schema_version": "2.0.0",
        "data_tier": 0,
    }


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
