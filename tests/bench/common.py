"""Helpers shared by the benchmarks: isolated homes, event files, timing whole processes."""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VENV_BIN = Path(sys.executable).parent
PROJECT_UUID = "550e8400-e29b-41d4-a716-446655440000"


def isolated_env(root: Path) -> dict:
    home = root / "home"
    home.mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "HOME": str(home),
        "SPEC_KITTY_HOME": str(home / ".spec-kitty"),
        "KITTIFY_HOME": str(home / ".kittify"),
    }


def scratch() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="spec-kitty-bench-")


def write_events(path: Path, count: int) -> Path:
    """`count` full WPStatusChanged envelopes, one per line, with canonical lanes."""
    from ulid import ULID

    lanes = ("planned", "claimed", "in_progress", "for_review", "done")
    with open(path, "w") as out:
        for i in range(count):
            wp = f"WP{i % 90 + 10:02d}"
            event = {
                "event_id": str(ULID()),
                "event_type": "WPStatusChanged",
                "aggregate_id": wp,
                "aggregate_type": "WorkPackage",
                "payload": {
                    "wp_id": wp,
                    "from_lane": lanes[i % 4],
                    "to_lane": lanes[i % 4 + 1],
                    "actor": "bench",
                    "feature_slug": "001-bench",
                },
                "timestamp": f"2026-11-24T10:{i // 600000 % 60:02d}:{i // 10000 % 60:02d}."
                f"{i % 10000:06d}+00:00",
                "node_id": "benchnode",
                "lamport_clock": i + 1,
                "causation_id": None,
                "correlation_id": None,
                "project_uuid": PROJECT_UUID,
                "project_slug": "bench",
                "schema_version": "2.0.0",
                "data_tier": 0,
            }
            out.write(json.dumps(event, separators=(",", ":")) + "\n")
    return path


def timed(argv: list[str], env: dict, stdin=None, cwd=None) -> float:
    """Wall seconds of one whole process, output discarded; fails loudly if it fails."""
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdin=stdin, stdout=subprocess.DEVNULL, check=True, cwd=cwd)
    return time.perf_counter() - start


def best_of(times: int, measure) -> float:
    return min(measure() for _ in range(times))
