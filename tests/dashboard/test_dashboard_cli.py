"""`spec-kitty dashboard` as a user runs it: the URL, the port, the pid file, --background and
--stop, --open, and the refusals."""

import json
import os
import signal
import socket
import stat
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from kitty_testing import VENV_BIN, run_installed

PID_FILE = Path(".kittify") / "toolkit-dashboard.json"
SPEC_KITTY_PORTS = [*range(9237, 9338), *range(9400, 9451)]


def listening_address(port: int) -> str | None:
    """The local address a TCP socket listens on at `port`, from /proc/net/tcp (Linux)."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if int(hex_port, 16) == port and state == "0A":  # 0A: LISTEN
            return socket.inet_ntoa(bytes.fromhex(address)[::-1])
    return None


def gone(pid: int) -> bool:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def background(project):
    """Starts `spec-kitty dashboard --background --json`; stops whatever is left at the end."""
    started = []

    def start(*args: str) -> dict:
        done = run_installed(
            "spec-kitty", "dashboard", "--background", "--json", *args, cwd=project
        )
        assert done.returncode == 0, done.stderr
        info = json.loads(done.stdout)
        started.append(info["pid"])
        return info

    yield start
    for pid in started:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass


def test_background_serves_on_loopback_with_a_pid_file_and_stop_ends_it(project, background):
    info = background()

    url = urlsplit(info["url"])
    assert (url.scheme, url.hostname, url.port, url.path) == (
        "http",
        "127.0.0.1",
        info["port"],
        "/",
    )
    assert url.fragment.startswith("token=") and len(url.fragment) > 30
    assert info["port"] not in SPEC_KITTY_PORTS
    assert listening_address(info["port"]) == "127.0.0.1"
    record = json.loads((project / PID_FILE).read_text())
    assert (record["pid"], record["port"]) == (info["pid"], info["port"])
    assert not (project / ".kittify" / ".dashboard").exists()
    board = requests.get(f"http://127.0.0.1:{info['port']}/api/board", timeout=10).json()
    assert [f["feature"] for f in board["features"]] == ["002-search", "001-checkout-flow"]

    again = run_installed("spec-kitty", "dashboard", cwd=project)
    assert again.returncode == 2
    assert f"already serves this project on http://127.0.0.1:{info['port']}/" in (
        again.stderr.decode()
    )
    assert "spec-kitty dashboard --stop" in again.stderr.decode()

    stopped = run_installed("spec-kitty", "dashboard", "--stop", cwd=project)
    assert stopped.returncode == 0, stopped.stderr
    assert stopped.stdout.decode().strip() == (
        f"stopped the dashboard on port {info['port']} (pid {info['pid']})"
    )
    assert gone(info["pid"])
    assert listening_address(info["port"]) is None
    assert not (project / PID_FILE).exists()

    again = run_installed("spec-kitty", "dashboard", "--stop", "--json", cwd=project)
    assert json.loads(again.stdout) == {"stopped": False, "pid": None, "port": None}


def test_stop_never_kills_a_process_the_pid_file_names_that_is_no_dashboard(project):
    bystander = subprocess.Popen(["sleep", "60"])
    try:
        (project / PID_FILE).write_text(json.dumps({"pid": bystander.pid, "port": free_port()}))

        done = run_installed("spec-kitty", "dashboard", "--stop", cwd=project)

        assert done.returncode == 0
        assert "no dashboard is running" in done.stdout.decode()
        assert bystander.poll() is None
        assert not (project / PID_FILE).exists()
    finally:
        bystander.kill()
        bystander.wait()


def test_the_foreground_dashboard_prints_its_url_and_ends_on_ctrl_c(project):
    port = free_port()
    process = subprocess.Popen(
        [str(VENV_BIN / "spec-kitty"), "dashboard", "--port", str(port)],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith(f"dashboard: http://127.0.0.1:{port}/#token=")
        assert requests.get(f"http://127.0.0.1:{port}/", timeout=10).status_code == 200
        assert json.loads((project / PID_FILE).read_text())["pid"] == process.pid
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        process.kill()
        process.wait()
    assert "Ctrl-C stops it" in process.stderr.read()
    assert not (project / PID_FILE).exists()
    assert listening_address(port) is None


def test_open_hands_the_url_to_the_web_browser(project, tmp_path, background, monkeypatch):
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\nprintf "%s" "$1" > {opened}\n')
    browser.chmod(browser.stat().st_mode | stat.S_IXUSR)

    monkeypatch.setenv("BROWSER", str(browser))

    info = background("--open")

    deadline = time.monotonic() + 10
    while not opened.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert opened.read_text() == info["url"]


@pytest.mark.parametrize("port", ["9237", "9300", "9337", "9400", "9450"])
def test_spec_kittys_own_ports_are_refused(project, port):
    done = run_installed("spec-kitty", "dashboard", "--port", port, cwd=project)
    assert done.returncode == 2
    assert done.stderr.decode().strip() == (
        f"spec-kitty dashboard: --port {port} is in a range spec-kitty's own dashboard and sync "
        "daemon use (9237-9337, 9400-9450); choose another port, or leave --port out to pick a "
        "free one"
    )
    assert not (project / PID_FILE).exists()


@pytest.mark.parametrize(
    ("port", "error"),
    [
        ("70000", "--port expects a port number 1-65535 (or 0 to pick one), got 70000"),
        ("-1", "--port expects a whole number of at least 0, got '-1'"),
        ("http", "--port expects a whole number, got 'http'"),
    ],
)
def test_a_port_that_is_no_port_is_a_usage_error(project, port, error):
    done = run_installed("spec-kitty", "dashboard", "--port", port, cwd=project)
    assert done.returncode == 2
    assert error in done.stderr.decode()


def test_a_port_in_use_is_named(project):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_installed(
            "spec-kitty", "dashboard", "--background", "--port", str(port), cwd=project
        )
    assert done.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in done.stderr.decode()
    assert "Traceback" not in done.stderr.decode()
    assert not (project / PID_FILE).exists()


def test_outside_a_project_it_says_how_to_make_one(tmp_path):
    done = run_installed("spec-kitty", "dashboard", cwd=tmp_path)
    assert done.returncode == 2
    assert "is not inside a spec-kitty project" in done.stderr.decode()
    assert "spec-kitty init" in done.stderr.decode()
