"""The files holding logins, queued work and signing keys: folders made 700 whatever the umask,
never reached through a planted link, and refused with the fix when others may use them."""

import json
import os
import re
import signal
import stat
import subprocess

import pytest
from factories import envelope
from faults_support import VENV_BIN
from kitty_testing import fill_queue, login, store_login


def mode(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def run(*command: str, input: bytes = b"", umask: int | None = None):
    return subprocess.run(
        [str(VENV_BIN / command[0]), *command[1:]],
        input=input,
        capture_output=True,
        timeout=60,
        preexec_fn=(lambda: os.umask(umask)) if umask is not None else None,
    )


def serve_once(*args: str, umask: int | None = None) -> tuple[int, str]:
    """Start `spec-kitty serve`, wait until it listens (or fails), stop it: (exit code, stderr)."""
    process = subprocess.Popen(
        [str(VENV_BIN / "spec-kitty"), "serve", "--port", "0", "--user", "ann:pw", *args],
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=(lambda: os.umask(umask)) if umask is not None else None,
    )
    first = process.stderr.readline()
    if re.search(r"reference server on http://127\.0\.0\.1:\d+", first):
        process.send_signal(signal.SIGTERM)
    code = process.wait(timeout=20)
    return code, first + process.stderr.read()


def test_serve_under_umask_000_makes_its_folders_700_and_its_database_600(
    spec_kitty_home, tmp_path
):
    nested = tmp_path / "server" / "data" / "ingest.db"

    default_code, _ = serve_once(umask=0)
    nested_code, _ = serve_once("--db", str(nested), umask=0)

    assert (default_code, nested_code) == (0, 0)
    assert mode(spec_kitty_home) == 0o700
    assert mode(spec_kitty_home / "reference-server.db") == 0o600
    assert mode(tmp_path / "server") == mode(nested.parent) == 0o700
    assert mode(nested) == 0o600


def test_client_state_under_umask_000_is_private_too(spec_kitty_home):
    done = run("enqueue", input=json.dumps(envelope(0)).encode() + b"\n", umask=0)

    assert done.returncode == 0, done.stderr
    assert mode(spec_kitty_home) == 0o700
    for path in spec_kitty_home.iterdir():
        assert mode(path) & 0o077 == 0, path


def test_auth_login_into_a_folder_everyone_may_write_is_refused_before_the_password_goes(
    httpserver, spec_kitty_home
):
    spec_kitty_home.mkdir(mode=0o700)
    spec_kitty_home.chmod(0o777)
    url = httpserver.url_for("/").rstrip("/")

    done = login(url, username="ann", password="pw", check=False)

    assert done.returncode == 5, done.stderr
    assert f"Fix it with: chmod 700 {spec_kitty_home}".encode() in done.stderr
    assert b"Logged in" not in done.stderr
    assert httpserver.log == []
    assert list(spec_kitty_home.iterdir()) == []


def test_a_server_database_others_may_read_is_refused_and_left_as_it_was(tmp_path):
    db = tmp_path / "ingest.db"
    db.write_bytes(b"")
    db.chmod(0o644)

    code, said = serve_once("--db", str(db))

    assert code == 5
    assert f"{db} is readable or writable by others (mode 644)" in said
    assert f"Fix it with: chmod 600 {db}" in said
    assert db.read_bytes() == b""  # no signing secret written into it
    db.chmod(0o600)
    assert serve_once("--db", str(db))[0] == 0


def test_a_link_planted_at_the_server_database_is_refused(tmp_path):
    target = tmp_path / "elsewhere.db"
    (tmp_path / "ingest.db").symlink_to(target)

    code, said = serve_once("--db", str(tmp_path / "ingest.db"))

    assert code == 5 and "is a symbolic link" in said
    assert not target.exists()


@pytest.mark.parametrize("name", ["credentials.lock", "event-queue.db", "sync.lock"])
def test_a_link_planted_at_a_state_file_is_refused_and_its_target_untouched(
    httpserver, spec_kitty_home, tmp_path, name
):
    url = httpserver.url_for("/").rstrip("/")
    httpserver.expect_request("/api/v1/token/").respond_with_json(
        {"access": "a", "refresh": "r", "access_lifetime": 900, "refresh_lifetime": 9000}
    )
    store_login(url)
    fill_queue([envelope(0)])
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    planted = spec_kitty_home / name
    planted.unlink(missing_ok=True)
    planted.symlink_to(victim)

    login = ("spec-kitty", "auth-login", "--server", url, "--username", "ann", "--password-stdin")
    command, stdin = {
        "credentials.lock": (login, b"pw\n"),
        "event-queue.db": (("enqueue",), json.dumps(envelope(1)).encode() + b"\n"),
        "sync.lock": (("spec-kitty", "sync-now"), b""),
    }[name]
    done = run(*command, input=stdin)

    assert done.returncode == 5, done.stderr
    assert f"{planted} is a symbolic link".encode() in done.stderr
    assert b"Traceback" not in done.stderr
    assert victim.read_text() == "precious\n"
    assert mode(victim) == 0o644 & ~current_umask()


def test_a_link_planted_at_the_credentials_is_not_read(httpserver, spec_kitty_home, tmp_path):
    store = store_login(httpserver.url_for("/").rstrip("/"))
    moved = tmp_path / "someone-elses-credentials"
    store.path.rename(moved)
    store.path.symlink_to(moved)

    done = run("spec-kitty", "auth-status")

    assert done.returncode == 4
    assert f"{store.path} is a symbolic link".encode() in done.stderr


def test_a_queue_file_others_may_read_is_refused_with_the_fix(spec_kitty_home):
    fill_queue([envelope(0)])
    queue = spec_kitty_home / "event-queue.db"
    queue.chmod(0o644)

    done = run("queue-stats")

    assert done.returncode == 5
    assert f"Fix it with: chmod 600 {queue}".encode() in done.stderr
    queue.chmod(0o600)
    assert run("queue-stats").returncode == 0


def current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
