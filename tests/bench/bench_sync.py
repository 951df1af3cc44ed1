"""Sync figures: `spec-kitty sync-now` end to end, whole process, against a minimal loopback
server (so the figure is the client's) and against the reference ingest server; peak memory of
the sync's processes at 100,000 events."""

import gzip
import re
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from common import VENV_BIN, compile_toolkit, isolated_env, scratch, write_events

EVENT_ID = re.compile(rb'"event_id": ?"([^"]+)"')  # 2.x's json.dumps puts a space there
SMALL, LARGE = 10_000, 100_000
# Run by a fresh interpreter so that its children are the sync's processes and nothing else.
CHILD_USAGE = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], check=True, capture_output=True)
sys.stdout.write(done.stdout.decode())
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(usage.ru_maxrss, usage.ru_utime + usage.ru_stime)
"""


class _Accepting(BaseHTTPRequestHandler):
    """Answers success for every event of a batch; the ids are found without parsing JSON,
    so the server spends as little of the shared CPU as possible."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_POST(self):
        body = gzip.decompress(self.rfile.read(int(self.headers["Content-Length"])))
        results = b",".join(
            b'{"event_id":"' + event_id + b'","status":"success"}'
            for event_id in EVENT_ID.findall(body)
        )
        answer = b'{"results":[' + results + b"]}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


def minimal_server() -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Accepting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def run() -> list[dict]:
    compile_toolkit()
    rows = []
    server = minimal_server()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        with scratch() as tmp:
            root = Path(tmp)
            events = write_events(root / "events.jsonl", LARGE)
            small = min(_sync_seconds(root / f"s{n}", events, SMALL, url) for n in range(3))
            large, peak_kb, cpu = _sync_seconds(root / "large", events, LARGE, url, usage=True)
            reference = _against_reference(root / "reference", events)
    finally:
        server.shutdown()
    rows.append(_row(f"sync-now {SMALL:,} events, minimal loopback server", small, "< 0.45 s"))
    rows.append(_row(f"sync-now {LARGE:,} events, minimal loopback server", large, "< 2.5 s"))
    rows.append(
        {
            "figure": f"peak RSS of any sync process, {LARGE:,} events",
            "value": peak_kb / 1024,
            "unit": "MB",
            "target": "< 100 MB",
        }
    )
    rows.append(_row(f"CPU time of the sync processes, {LARGE:,} events", cpu, "-"))
    rows.append(_row(f"sync-now {SMALL:,} events, reference ingest server", reference, "-"))
    return rows


def _row(figure: str, seconds: float, target: str) -> dict:
    return {"figure": figure, "value": seconds, "unit": "s", "target": target}


def _prepare(root: Path, events: Path, count: int, url: str) -> dict:
    env = isolated_env(root)
    with open(events, "rb") as source:
        head = b"".join(line for _, line in zip(range(count), source, strict=False))
    subprocess.run(
        [str(VENV_BIN / "enqueue")], input=head, env=env, stdout=subprocess.DEVNULL, check=True
    )
    _store_login(env, url)
    return env


def _store_login(env: dict, url: str) -> None:
    home = Path(env["SPEC_KITTY_HOME"])
    now = datetime.now(UTC)
    text = (
        f'[tokens]\naccess = "bench-access"\nrefresh = "bench-refresh"\n'
        f'access_expires_at = "{(now + timedelta(hours=1)).isoformat()}"\n'
        f'refresh_expires_at = "{(now + timedelta(days=7)).isoformat()}"\n\n'
        f'[user]\nusername = "bench"\n\n[server]\nurl = "{url}"\n'
    )
    path = home / "credentials"
    path.write_text(text)
    path.chmod(0o600)


def _sync_seconds(root: Path, events: Path, count: int, url: str, usage: bool = False):
    """Wall seconds of one sync-now; with `usage`, also the peak RSS (KB) of any of its
    processes and their CPU seconds."""
    env = _prepare(root, events, count, url)
    command = [str(VENV_BIN / "spec-kitty"), "sync-now"]
    start = time.perf_counter()
    if usage:
        done = subprocess.run(
            [sys.executable, "-c", CHILD_USAGE, *command],
            env=env,
            capture_output=True,
            check=True,
        )
    else:
        done = subprocess.run(command, env=env, capture_output=True, check=True)
    seconds = time.perf_counter() - start
    _check_all_synced(done, count)
    if not usage:
        return seconds
    peak_kb, cpu = done.stdout.split()[-2:]
    return seconds, int(peak_kb), float(cpu)


def _check_all_synced(done: subprocess.CompletedProcess, count: int) -> None:
    if f"Synced: {count}," not in done.stdout.decode():
        raise RuntimeError(f"sync-now did not sync {count} events: {done.stdout!r} {done.stderr!r}")


def _against_reference(root: Path, events: Path) -> float:
    from spec_kitty.server import ReferenceServer

    root.mkdir(parents=True)
    server = ReferenceServer(
        root / "server.db", users={"bench": {"password": "bench-pw", "projects": ["*"]}}
    ).start()
    try:
        env = _prepare(root, events, SMALL, server.url)
        subprocess.run(
            [
                str(VENV_BIN / "spec-kitty"),
                "auth-login",
                "--server",
                server.url,
                "--username",
                "bench",
                "--password-stdin",
            ],
            input=b"bench-pw\n",
            env=env,
            capture_output=True,
            check=True,
        )
        start = time.perf_counter()
        done = subprocess.run(
            [str(VENV_BIN / "spec-kitty"), "sync-now"], env=env, capture_output=True, check=True
        )
        seconds = time.perf_counter() - start
        _check_all_synced(done, SMALL)
        return seconds
    finally:
        server.stop()


if __name__ == "__main__":
    from run import table

    print(table(run()))
