"""Every test runs with its own homes under tmp_path; nothing touches the real home directory."""

import os
from pathlib import Path

import pytest
from kitty_testing import DEMO_PASSWORD, DEMO_USER, run_installed

SHELL_SETTINGS = (
    "SPEC_KITTY_QUEUE_TIMEOUT",
    "SPEC_KITTY_SERVER_URL",
    "SPEC_KITTY_USERNAME",
    "SPEC_KITTY_PASSWORD",
    "SPEC_KITTY_AGENT",
    "REQUESTS_CA_BUNDLE",
    "SSL_CERT_FILE",
)


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
    # Settings from the developer's shell must not change which server a test talks to or skip
    # a prompt the test expects.
    for name in SHELL_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    return home


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
