"""Every test runs with its own homes under tmp_path; nothing touches the real home directory."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

VENV_BIN = Path(sys.executable).parent


@pytest.fixture(autouse=True)
def isolated_homes(tmp_path, monkeypatch):
    """HOME, SPEC_KITTY_HOME and KITTIFY_HOME inside tmp_path, and a git identity for commits."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("SPEC_KITTY_HOME", str(home / ".spec-kitty"))
    monkeypatch.setenv("KITTIFY_HOME", str(home / ".kittify"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "Test Kitty")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "kitty@example.test")
    monkeypatch.delenv("SPEC_KITTY_QUEUE_TIMEOUT", raising=False)
    return home


@pytest.fixture
def spec_kitty_home(isolated_homes) -> Path:
    return Path(os.environ["SPEC_KITTY_HOME"])


def run_script(name: str, *args: str, input: str | bytes = b"", cwd=None, env=None, timeout=60):
    """Run one of the installed console scripts as a user would; returns the CompletedProcess."""
    data = input.encode() if isinstance(input, str) else input
    return subprocess.run(
        [str(VENV_BIN / name), *args],
        input=data,
        capture_output=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )


def json_lines(data: bytes | str) -> list[dict]:
    text = data.decode() if isinstance(data, bytes) else data
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture
def script():
    return run_script


DEMO_USER = "demo"
DEMO_PASSWORD = "demo-password"


@pytest.fixture
def reference_server(tmp_path):
    """The reference ingest server on 127.0.0.1 (free port), user demo/demo-password on every
    project; yields the running ReferenceServer (`.url`, `.stored_events()`, `.store`)."""
    from spec_kitty.server import ReferenceServer

    server = ReferenceServer(
        tmp_path / "reference-server.db",
        users={DEMO_USER: {"password": DEMO_PASSWORD, "projects": ["*"]}},
    ).start()
    try:
        yield server
    finally:
        server.stop()
