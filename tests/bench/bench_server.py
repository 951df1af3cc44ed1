"""Reference server figures: batch ingest throughput (new and duplicate events), the cost of
validating one event, validate-events on a stream, a full contract-check run, and the memory of
`spec-kitty serve` under hostile requests."""

import gzip
import json
import re
import subprocess
import time
from pathlib import Path

from common import VENV_BIN, best_of, compile_toolkit, isolated_env, scratch, write_events
from kitty_testing import DEMO_PASSWORD, DEMO_USER

EVENTS = 100_000
PER_BATCH = 1_000
PROJECT = "0b5d9a3e-2c1f-4e8a-9b7d-3f6e1a2c4d5e"
SECOND_PROJECT = "00000000-0000-4000-8000-00000000002a"  # contract-check's default --other-project


def run() -> list[dict]:
    compile_toolkit()
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
            DEMO_USER: {"password": DEMO_PASSWORD},
            "checker": {"password": "pw", "projects": [PROJECT, SECOND_PROJECT]},
        }
        with ReferenceServer(root / "server.db", users=users) as server:
            fresh = _post_all(server, bodies)
            again = _post_all(server, bodies)
            stored = server.store.count()
            contract = _contract_check(server, env)
        per_event = _validation_microseconds(events[:20_000])
        stream = best_of(3, lambda: _validate_stream(source, env))
        hostile = _hostile_memory(root, env, bodies[0])
    assert stored == EVENTS, stored
    return [
        *hostile,
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


def _hostile_memory(root: Path, env: dict, real_batch: bytes) -> list[dict]:
    """Peak memory (VmHWM) of a `spec-kitty serve` process: after real batches, then after the
    hostile requests the server once took gigabytes for (a gzip of 400,000 tiny events, a body of
    millions of empty objects, a 9.9 MB login, JSON nested 100,000 deep)."""
    import requests

    server = subprocess.Popen(
        [str(VENV_BIN / "spec-kitty"), "serve", "--port", "0", "--db", str(root / "hostile.db")]
        + ["--user-stdin"],
        env=env,
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    server.stdin.write(f"{DEMO_USER}:{DEMO_PASSWORD}\n")
    server.stdin.close()
    url = re.search(r"on (http://127\.0\.0\.1:\d+)", server.stderr.readline()).group(1)
    try:
        with requests.Session() as session:
            login = {"username": DEMO_USER, "password": DEMO_PASSWORD}
            token = session.post(f"{url}/api/v1/token/", json=login, timeout=10).json()["access"]
            batch = f"{url}/api/v1/events/batch/"
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            gzipped = {**headers, "Content-Encoding": "gzip"}
            for _ in range(3):
                session.post(batch, data=real_batch, headers=gzipped, timeout=60)
            calm = _peak_mb(server.pid)
            bomb = gzip.compress(b'{"events": [' + b'{"event_id":"x"},' * 400_000 + b"{}]}", 9)
            hostile = [
                (batch, bomb, gzipped),
                (batch, b'{"events": [' + b"{}," * 3_400_000 + b"{}]}", headers),
                (batch, b'{"events": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}", headers),
                (f"{url}/api/v1/token/", b'{"username": "' + b"x" * 9_900_000 + b'"}', headers),
            ]
            started, answered = time.perf_counter(), 0
            for target, body, sent_headers in hostile:
                answer = session.post(target, data=body, headers=sent_headers, timeout=60)
                assert 400 <= answer.status_code < 500, answer.text[:200]
                answered += len(answer.content)
            spent = time.perf_counter() - started
            peak = _peak_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return [
        {
            "figure": "serve peak memory after 3 real 1,000-event batches",
            "value": calm,
            "unit": "MB",
            "target": "(reference)",
        },
        {
            "figure": f"serve peak memory after 4 hostile requests ({len(bomb):,} B gzip bomb ...)",
            "value": peak,
            "unit": "MB",
            "target": "< 150 MB (was 2,700 MB)",
        },
        {
            "figure": "time to refuse the 4 hostile requests",
            "value": spent * 1000,
            "unit": "ms",
            "target": "< 2000 ms (was 30 s)",
        },
        {
            "figure": "bytes answered to the 4 hostile requests",
            "value": answered,
            "unit": "B",
            "target": "< 4 KB (was 535 MB)",
        },
    ]


def _peak_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def _rate(figure: str, value: float) -> dict:
    return {"figure": figure, "value": value, "unit": "events/s", "target": ">= 20,000 events/s"}


def _post_all(server, bodies: list[bytes]) -> float:
    import requests

    with requests.Session() as session:
        access = session.post(
            f"{server.url}/api/v1/token/",
            json={"username": DEMO_USER, "password": DEMO_PASSWORD},
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
