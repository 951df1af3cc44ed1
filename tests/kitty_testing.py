"""Helpers every test module may import (conftest.py is not importable by name: each folder
with fixtures of its own has one)."""

import json
import os
import shutil
import subprocess
import sys
import textwrap
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

VENV_BIN = Path(sys.executable).parent


def run_installed(name: str, *args: str, input: str | bytes = b"", cwd=None, env=None, timeout=60):
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


def run_at_once(code: str, count: int) -> list[str]:
    """Python `code` in `count` processes started together; what each printed, once every one of
    them has exited 0."""
    processes = [
        subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        for _ in range(count)
    ]
    outputs = [process.communicate(timeout=60)[0] for process in processes]
    assert all(process.returncode == 0 for process in processes)
    return outputs


def json_lines(data: bytes | str) -> list[dict]:
    text = data.decode() if isinstance(data, bytes) else data
    return [json.loads(line) for line in text.splitlines() if line.strip()]


DEMO_USER, DEMO_PASSWORD = "demo", "demo-password"  # the reference_server fixture's user


def server_login(server, username=DEMO_USER, password=DEMO_PASSWORD, verify=True) -> dict:
    """A login to the reference server `server` that must succeed: the token pair. `verify`: the
    CA file of a TLS server."""
    import requests

    response = requests.post(
        f"{server.url}/api/v1/token/",
        json={"username": username, "password": password},
        verify=verify,
        timeout=5,
    )
    assert response.status_code == 200, response.text
    return response.json()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def post_batch(server, token, events=None, *, body=None, encoding="gzip", headers=None):
    """POST a batch to `server`; `body` (bytes) replaces the JSON of {"events": events}."""
    import gzip

    import requests

    data = body if body is not None else json.dumps({"events": events}).encode()
    sent_headers = {**bearer(token), "Content-Type": "application/json"}
    if encoding == "gzip" and body is None:
        data = gzip.compress(data)
    if encoding:
        sent_headers["Content-Encoding"] = encoding
    sent_headers.update(headers or {})
    return requests.post(
        f"{server.url}/api/v1/events/batch/", data=data, headers=sent_headers, timeout=10
    )


def fill_queue(events: list[dict]) -> None:
    """Put full envelopes straight into the queue, as enqueue would."""
    from spec_kitty.queue.store import Queue, queue_row

    with Queue() as queue:
        queue.add([queue_row(event) for event in events])


def login(
    url: str,
    env: dict | None = None,
    check: bool = True,
    username: str = DEMO_USER,
    password: str = DEMO_PASSWORD,
):
    """`spec-kitty auth-login` (by default as the demo user), the password on stdin."""
    done = run_installed(
        "spec-kitty",
        "auth-login",
        "--server",
        url,
        "--username",
        username,
        "--password-stdin",
        input=password + "\n",
        env=env,
    )
    if check:
        assert done.returncode == 0, done.stderr
    return done


def store_login(
    server_url: str,
    access: str = "access-1",
    refresh: str = "refresh-1",
    access_in: float = 3600,
    refresh_in: float = 7 * 86400,
):
    """A stored login for `server_url` (no server needed to make it)."""
    from spec_kitty.sync.credentials import Credentials, CredentialStore

    now = datetime.now(UTC)
    store = CredentialStore()
    with store.locked():
        store.save(
            Credentials(
                access=access,
                refresh=refresh,
                access_expires_at=now + timedelta(seconds=access_in),
                refresh_expires_at=now + timedelta(seconds=refresh_in),
                username=DEMO_USER,
                server_url=server_url,
            )
        )
    return store


def worktree(root: Path, slug: str, wp: str) -> Path:
    """Where `spec-kitty implement` checks a work package out, on the branch of the same name."""
    return root / ".worktrees" / f"{slug}-{wp}"


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


def commits(root: Path) -> list[str]:
    """Commit subjects, newest first."""
    return git(root, "log", "--format=%s").splitlines()


def committed_files(root: Path, ref: str = "HEAD") -> set[str]:
    return set(git(root, "show", "--name-only", "--format=", ref).split())


def status(root: Path) -> str:
    return git(root, "status", "--porcelain", "--untracked-files=all")


@contextmanager
def dashboard_in_background(repo: Path, env: dict, program: str = str(VENV_BIN / "spec-kitty")):
    """`spec-kitty dashboard --background --json` in `repo`, stopped with `dashboard --stop` on
    leaving; yields what it printed (port, url, pid)."""
    started = subprocess.run(
        [program, "dashboard", "--background", "--json"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode == 0, started.stderr
    try:
        yield json.loads(started.stdout)
    finally:
        subprocess.run([program, "dashboard", "--stop"], cwd=repo, env=env, check=True)


def queued(event_type: str | None = None) -> list[dict]:
    """The events waiting in the (test-isolated) sync queue."""
    from spec_kitty.queue.store import Queue, queue_path

    if not queue_path().exists():
        return []
    with Queue() as queue:
        events = [json.loads(text) for text in queue.export()]
    return [e for e in events if event_type is None or e["event_type"] == event_type]


needs_openssl = pytest.mark.skipif(not shutil.which("openssl"), reason="needs the openssl command")


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that is its own CA, and its key: (cert.pem, key.pem)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
        + ["-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1"]
        + ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )
    return cert, key


def write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


SHELL_SETTINGS = (
    "SPEC_KITTY_QUEUE_TIMEOUT",
    "SPEC_KITTY_SERVER_URL",
    "SPEC_KITTY_USERNAME",
    "SPEC_KITTY_PASSWORD",
    "SPEC_KITTY_AGENT",
    "REQUESTS_CA_BUNDLE",
    "SSL_CERT_FILE",
)


def isolate(base: Path, patch: pytest.MonkeyPatch) -> Path:
    """The homes of isolated_homes under `base`, for fixtures wider than one test."""
    home = base / "home"
    home.mkdir()
    patch.setenv("HOME", str(home))
    patch.setenv("SPEC_KITTY_HOME", str(home / ".spec-kitty"))
    patch.setenv("KITTIFY_HOME", str(home / ".kittify"))
    patch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for who in ("AUTHOR", "COMMITTER"):
        patch.setenv(f"GIT_{who}_NAME", "Test Kitty")
        patch.setenv(f"GIT_{who}_EMAIL", "kitty@example.test")
    # Settings from the developer's shell must not change which server a test talks to or skip
    # a prompt the test expects.
    for name in SHELL_SETTINGS:
        patch.delenv(name, raising=False)
    return home
