"""`spec-kitty serve` and `spec-kitty server-events` as a person runs them; TLS."""

import json
import re
import signal
import sqlite3
import subprocess

import pytest
import requests
from kitty_testing import (
    DEMO_PASSWORD,
    DEMO_USER,
    VENV_BIN,
    json_lines,
    needs_openssl,
    self_signed_certificate,
)
from server_helpers import login, post_batch, synced
from spec_kitty.server import ReferenceServer
from spec_kitty.server.store import read_stored_events


def _start_serve(*args, stdin_text=None):
    process = subprocess.Popen(
        [str(VENV_BIN / "spec-kitty"), "serve", "--port", "0", *args],
        stdin=subprocess.PIPE if stdin_text is not None else None,
        stderr=subprocess.PIPE,
        text=True,
    )
    if stdin_text is not None:
        process.stdin.write(stdin_text)
        process.stdin.close()
    first = process.stderr.readline()
    match = re.search(r"on (https?://127\.0\.0\.1:\d+)", first)
    assert match, first
    return process, match.group(1)


class _At:
    def __init__(self, url):
        self.url = url


def test_serve_accepts_a_batch_and_server_events_lists_it(tmp_path, script):
    db = tmp_path / "served.db"
    process, url = _start_serve("--db", str(db), "--user", f"{DEMO_USER}:{DEMO_PASSWORD}")
    try:
        event = synced()
        response = post_batch(_At(url), login(_At(url))["access"], [event])
        assert response.json()["results"][0]["status"] == "success"
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    assert "stopped" in process.stderr.read()

    listed = script("spec-kitty", "server-events", "--db", str(db), "--json")
    assert listed.returncode == 0
    assert [row["event"] for row in json_lines(listed.stdout)] == [event]
    table = script("spec-kitty", "server-events", "--db", str(db))
    assert event["event_id"] in table.stdout.decode()


def test_serve_without_users_says_what_to_give(script):
    result = script("spec-kitty", "serve")
    assert result.returncode == 2
    assert "give --users-file FILE, --user-stdin" in result.stderr.decode()


def test_serve_reads_users_from_stdin_keeping_passwords_off_the_command_line(tmp_path, script):
    users = f"{DEMO_USER}:{DEMO_PASSWORD}\nann:pw\n"
    process, url = _start_serve("--db", str(tmp_path / "s.db"), "--user-stdin", stdin_text=users)
    try:
        assert login(_At(url))["access"]
        assert login(_At(url), "ann", "pw")["access"]
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    assert "users: ann, demo" in process.stderr.read()


def test_serve_help_warns_that_user_puts_the_password_in_ps(script):
    shown = " ".join(script("spec-kitty", "--help", "serve").stdout.decode().split())
    assert "other local users can read it in `ps`, so prefer --users-file or --user-stdin" in shown


def test_server_events_without_a_database_names_the_file(tmp_path, script):
    missing = tmp_path / "none.db"
    result = script("spec-kitty", "server-events", "--db", str(missing))
    assert result.returncode == 2
    assert f"{missing} is not a reference-server database" in result.stderr.decode()
    assert not missing.exists()


def test_server_events_leaves_another_programs_database_as_it_was(tmp_path, script):
    foreign = tmp_path / "notes.db"
    db = sqlite3.connect(foreign)
    db.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, what TEXT)")
    db.execute("INSERT INTO events (what) VALUES ('dentist')")
    db.commit()
    db.close()
    before = foreign.read_bytes()

    result = script("spec-kitty", "server-events", "--db", str(foreign))

    assert result.returncode == 2
    assert result.stderr.decode().strip() == (
        f"spec-kitty server-events: {foreign} is not a reference-server database"
    )
    assert foreign.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "notes.db"]


def test_server_events_on_the_event_queue_is_one_clear_line(script, spec_kitty_home):
    assert script("enqueue", input=json.dumps(synced()) + "\n").returncode == 0
    queue = spec_kitty_home / "event-queue.db"
    result = script("spec-kitty", "server-events", "--db", str(queue))
    assert result.returncode == 2
    assert result.stderr.decode().strip() == (
        f"spec-kitty server-events: {queue} is not a reference-server database"
    )


def test_stored_events_are_read_while_the_server_runs(reference_server):
    event = synced()
    post_batch(reference_server, login(reference_server)["access"], [event])
    rows = read_stored_events(reference_server.store.path)
    assert [row["event"] for row in rows] == [event]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["server-events", "--limit", "abc"], "server-events: --limit expects a whole number"),
        (["server-events", "--limit", "-1"], "server-events: --limit expects a whole number of at"),
        (
            ["serve", "--port", "0", "--user", "demo:pw", "--rate-limit", "abc"],
            "serve: --rate-limit expects a whole number",
        ),
    ],
)
def test_a_count_that_is_not_a_number_is_one_line_naming_the_flag(script, args, message):
    result = script("spec-kitty", *args, timeout=20)
    assert result.returncode == 2
    assert len(result.stderr.decode().splitlines()) == 1
    assert f"spec-kitty {message}" in result.stderr.decode()


@needs_openssl
def test_serves_https_when_given_a_certificate_and_key(tmp_path):
    cert, key = self_signed_certificate(tmp_path)
    users = {DEMO_USER: {"password": DEMO_PASSWORD}}
    with ReferenceServer(tmp_path / "s.db", users=users, tls_cert=cert, tls_key=key) as server:
        assert server.url.startswith("https://127.0.0.1:")
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(f"{server.url}/api/v1/sync/health/", timeout=5)
        assert login(server, verify=str(cert))["access"]
