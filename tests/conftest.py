"""Every test runs with its own homes under tmp_path; nothing touches the real home directory."""

import os
from pathlib import Path

import pytest
from kitty_testing import DEMO_PASSWORD, DEMO_USER, isolate, run_installed


@pytest.fixture(autouse=True)
def isolated_homes(tmp_path, monkeypatch):
    """HOME, SPEC_KITTY_HOME and KITTIFY_HOME inside tmp_path, and a git identity for commits."""
    return isolate(tmp_path, monkeypatch)


@pytest.fixture
def spec_kitty_home(isolated_homes) -> Path:
    return Path(os.environ["SPEC_KITTY_HOME"])


@pytest.fixture
def script():
    return run_installed


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
