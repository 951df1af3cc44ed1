"""Reference server figures: batch ingest throughput (new and duplicate events), the cost of
validating one event, validate-events on a stream, and a full contract-check run."""

import gzip
import json
import subprocess
import time
from pathlib import Path

from common import VENV_BIN, best_of, isolated_env, scratch, write_events

EVENTS = 100_000
PER_BATCH = 1_000
PROJECT = "0b5d9a3e-2c1f-4e8a-9b7d-3f6e1a2c4d5e"
SECOND_PROJECT = "00000000-0000-4000-8000-00000000002a"  # contract-check's default --other-project


def run() -> list[dict]:
    from spec_kitty.events.collapse import collapse_event
    from spec_kitty.server import ReferenceServer

    with scratch() as tmp:
        root = Path(tmp)
        env = isolated_env(root)
        source = write_events(root / "events.jsonl", EVENTS)
        events = [collapse_event(json.loads(line)) for line in source.open()]
        bodies = [
            gzip.compress(json.dumps({"events": events[i : i + PER_BATCH]}).encode(), 1)
            for i in range(0, EVENTS, PER_BATCH)
        ]
        users = {
            "demo": {"password": "demo-password"},
            "checker": {"password": "pw", "projects": [PROJECT, SECOND_PROJECT]},
        }
        with ReferenceServer(root / "server.db", users=users) as server:
            fresh = _post_all(server, bodies)
            again = _post_all(server, bodies)
            stored = server.store.count()
            contract = _contract_check(server, env)
        per_event = _validation_microseconds(events[:20_000])
        stream = best_of(3, lambda: _validate_stream(source, env))
    assert stored == EVENTS, stored
    return [
        _rate(f"ingest {EVENTS:,} new events, {PER_BATCH:,} per gzip batch", EVENTS / fresh),
        _rate(f"ingest the same {EVENTS:,} again (all duplicate)", EVENTS / again),
        {
            "figure": "schema validation of one event (in process)",
            "value": per_event,
            "unit": "us",
            "target": "< 30 us",
        },
        _rate(f"validate-events on {EVENTS:,} events (whole process)", EVENTS / stream),
        {
            "figure": "contract-check, every fixture, reference server",
            "value": contract * 1000,
            "unit": "ms",
            "target": "< 3000 ms",
        },
    ]


def _rate(figure: str, value: float) -> dict:
    return {"figure": figure, "value": value, "unit": "events/s", "target": ">= 20,000 events/s"}


def _post_all(server, bodies: list[bytes]) -> float:
    import requests

    with requests.Session() as session:
        access = session.post(
            f"{server.url}/api/v1/token/",
            json={"username": "demo", "password": "demo-password"},
            timeout=10,
        ).json()["access"]
        headers = {
            "Authorization": f"Bearer {access}",
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
        }
        start = time.perf_counter()
        for body in bodies:
            response = session.post(
                f"{server.url}/api/v1/events/batch/", data=body, headers=headers, timeout=60
            )
            response.raise_for_status()
        return time.perf_counter() - start


def _validation_microseconds(events: list[dict]) -> float:
    from spec_kitty.events.validate import event_problems

    event_problems(events[0])
    start = time.perf_counter()
    for event in events:
        event_problems(event)
    return (time.perf_counter() - start) / len(events) * 1e6


def _validate_stream(source: Path, env: dict) -> float:
    with open(source) as stdin:
        start = time.perf_counter()
        subprocess.run(
            [str(VENV_BIN / "validate-events")],
            env=env,
            stdin=stdin,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        return time.perf_counter() - start


def _contract_check(server, env: dict) -> float:
    expired = server.issue_token("checker", lifetime=-60)
    check_env = {
        **env,
        "SPEC_KITTY_CONTRACT_PASSWORD": "pw",
        "SPEC_KITTY_CONTRACT_EXPIRED_TOKEN": expired,
    }
    argv = [str(VENV_BIN / "contract-check"), "--server", server.url, "--username", "checker"]
    start = time.perf_counter()
    subprocess.run(
        argv, env=check_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
    )
    return time.perf_counter() - start


if __name__ == "__main__":
    from run import table

    print(table(run()))
