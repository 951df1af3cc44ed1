"""Running the dashboard: on 127.0.0.1 only, on a port clear of spec-kitty's, with a pid file of
its own under `.kittify/`, in the foreground or detached; and stopping it.

spec-kitty's own dashboard and sync daemon use ports 9237-9337 and 9400-9450 and the file
`.kittify/.dashboard`, and its cleanup kills whatever answers on those ports. Users run both
tools, so this dashboard stays off all of them.
"""

import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from spec_kitty.atomic import replace_file
from spec_kitty.dashboard.app import DashboardApp
from spec_kitty.jsonl import EXIT_BAD_INPUT, ScriptError

LOOPBACK = "127.0.0.1"
SPEC_KITTY_PORTS = (range(9237, 9338), range(9400, 9451))
PID_FILE = Path(".kittify") / "toolkit-dashboard.json"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


class _QuietHandler(WSGIRequestHandler):
    """Logs errors only: the page polls every second."""

    def log(self, type, message, *args):
        if type == "error":
            super().log(type, message, *args)


def new_token() -> str:
    return secrets.token_urlsafe(24)


def page_url(port: int, token: str) -> str:
    """The page's address; the key rides in the fragment, which the browser never sends."""
    return f"http://{LOOPBACK}:{port}/#token={token}"


def check_port(port: int) -> int:
    """`port` when it is usable here (0 means: pick one); a usage error otherwise."""
    if not 0 <= port <= 65535:
        raise ScriptError(f"--port expects a port number 1-65535 (or 0 to pick one), got {port}")
    if _reserved(port):
        raise ScriptError(
            f"--port {port} is in a range spec-kitty's own dashboard and sync daemon use "
            "(9237-9337, 9400-9450); choose another port, or leave --port out to pick a free one"
        )
    return port


def _reserved(port: int) -> bool:
    return any(port in ports for ports in SPEC_KITTY_PORTS)


def project_name(root: Path) -> str:
    from spec_kitty.project import NotAProject, load_identity

    try:
        return load_identity(root).slug
    except NotAProject:
        return root.name


def bind(app: DashboardApp, port: int) -> BaseWSGIServer:
    """A listening server on 127.0.0.1: on `port`, or on a free port outside spec-kitty's."""
    for _ in range(20):
        listener = _listen(port)
        chosen = listener.getsockname()[1]
        if port or not _reserved(chosen):
            break
        listener.close()
    else:
        raise ScriptError("found no free port outside spec-kitty's ranges; give one with --port")
    # werkzeug is handed the bound socket: binding itself, it would print its own message and
    # exit when the port is taken.
    with listener:
        server = make_server(
            LOOPBACK,
            chosen,
            app,
            threaded=True,
            request_handler=_QuietHandler,
            fd=listener.fileno(),
        )
    app.listen_on(chosen)
    return server


def _listen(port: int) -> socket.socket:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((LOOPBACK, port))
        listener.listen(128)
    except OSError as exc:
        listener.close()
        raise ScriptError(
            f"cannot listen on {LOOPBACK}:{port}: {exc.strerror or exc}; choose another "
            "--port, or leave it out to pick a free one"
        ) from None
    return listener


def serve(root: Path, token: str, port: int, on_ready: Callable[[dict], None]) -> None:
    """Serve in this thread until interrupted; `on_ready` gets {url, port, pid} once the page
    answers. The pid file is there while it serves."""
    app = DashboardApp(root, token, project_name(root))
    server = bind(app, port)
    port = server.server_address[1]
    info = {"url": page_url(port, token), "port": port, "pid": os.getpid()}
    try:
        app.board.data()  # read every feature once now, so no request waits for it
        write_pid_file(root, info["pid"], info["port"])
        on_ready(info)
        server.serve_forever()
    finally:
        server.server_close()
        remove_pid_file(root, info["pid"])


# -- the pid file ------------------------------------------------------------------------------


def write_pid_file(root: Path, pid: int, port: int) -> None:
    started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    record = {"pid": pid, "port": port, "started_at": started}
    replace_file(root / PID_FILE, json.dumps(record) + "\n", mode=0o644)


def read_pid_file(root: Path) -> dict | None:
    try:
        record = json.loads((root / PID_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict):
        return None
    if not isinstance(record.get("pid"), int) or not isinstance(record.get("port"), int):
        return None
    return record


def remove_pid_file(root: Path, pid: int | None = None) -> None:
    """Remove the pid file (only if it is `pid`'s, when given)."""
    record = read_pid_file(root)
    if pid is None or (record and record["pid"] == pid):
        (root / PID_FILE).unlink(missing_ok=True)


def running_dashboard(root: Path) -> dict | None:
    """{pid, port} of this project's dashboard when one answers as the pid file says."""
    record = read_pid_file(root)
    if record is None:
        return None
    about = _about(record["port"])
    if about and about.get("pid") == record["pid"] and about.get("root") == str(root):
        return record
    return None


def _about(port: int) -> dict | None:
    """What the server on `port` says it is; None when nothing there answers as a dashboard."""
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=2)
    try:
        connection.request("GET", "/api/about", headers={"Host": f"{LOOPBACK}:{port}"})
        response = connection.getresponse()
        body = json.loads(response.read()) if response.status == 200 else None
    except (OSError, ValueError, http.client.HTTPException):
        return None
    finally:
        connection.close()
    return body if isinstance(body, dict) else None


def stop_dashboard(root: Path) -> dict:
    """Stop this project's dashboard; {stopped, pid, port}. A stale pid file is removed."""
    running = running_dashboard(root)
    if running is None:
        remove_pid_file(root)
        return {"stopped": False, "pid": None, "port": None}
    pid = running["pid"]
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.05)
    if _alive(pid):
        raise ScriptError(f"the dashboard (pid {pid}) did not stop within {STOP_TIMEOUT:g} s")
    remove_pid_file(root, pid)
    return {"stopped": True, "pid": pid, "port": running["port"]}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# -- detached ----------------------------------------------------------------------------------


def start_background(root: Path, token: str, port: int) -> dict:
    """Start the dashboard as a detached process; {url, port, pid} once it answers.

    The key goes to it on stdin, so no other user sees it in the process list.
    """
    child = subprocess.Popen(
        [sys.executable, "-m", "spec_kitty.dashboard.background"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=root,
        start_new_session=True,
    )
    child.stdin.write(json.dumps({"root": str(root), "token": token, "port": port}).encode())
    child.stdin.close()
    timer = threading.Timer(START_TIMEOUT, child.kill)
    timer.start()
    try:
        line = child.stdout.readline()
    finally:
        timer.cancel()
    child.stdout.close()
    if not line:
        child.wait()
        said = child.stderr.read().decode(errors="replace").strip().splitlines()
        child.stderr.close()
        raise ScriptError(
            said[-1] if said else f"the dashboard did not start (exit {child.returncode})",
            child.returncode if child.returncode and child.returncode > 0 else EXIT_BAD_INPUT,
        )
    child.stderr.close()
    return json.loads(line)
