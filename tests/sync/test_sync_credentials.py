import os
import stat
import threading
import tomllib
from datetime import UTC, datetime

import pytest
from kitty_testing import store_login
from spec_kitty.sync.credentials import CredentialsError, CredentialStore

# Exactly what a spec-kitty 2.x client leaves in ~/.spec-kitty/credentials after `auth login`.
CLIENT_2X_FILE = """\
[tokens]
access = "eyJhbGciOiJIUzI1NiJ9.access.sig"
refresh = "eyJhbGciOiJIUzI1NiJ9.refresh.sig"
access_expires_at = "2031-05-04T10:15:00+00:00"
refresh_expires_at = "2031-05-11T10:00:00+00:00"

[user]
username = "robert@example.test"
team_slug = "kitty-team"

[server]
url = "https://spec-kitty-dev.fly.dev"
"""

EXPIRIES_LAYOUT = """\
[tokens]
access = "a"
refresh = "r"

[expiries]
access = "2031-05-04T10:15:00Z"
refresh = "2031-05-11T10:00:00Z"

[user]
username = "robert"

[server]
url = "https://sync.example.test"
"""


def write_private(path, text):
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o600)


def test_a_new_login_file_is_owner_only_in_an_owner_only_directory(spec_kitty_home):
    store = store_login("https://sync.example.test")

    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(spec_kitty_home.stat().st_mode) == 0o700
    creds = store.load()
    assert (creds.access, creds.refresh, creds.username) == ("access-1", "refresh-1", "demo")
    assert creds.server_url == "https://sync.example.test"


def test_reads_the_file_a_2x_client_writes(spec_kitty_home):
    store = CredentialStore()
    write_private(store.path, CLIENT_2X_FILE)

    creds = store.load()

    assert creds.access == "eyJhbGciOiJIUzI1NiJ9.access.sig"
    assert creds.username == "robert@example.test"
    assert creds.team_slug == "kitty-team"
    assert creds.server_url == "https://spec-kitty-dev.fly.dev"
    assert creds.access_expires_at == datetime(2031, 5, 4, 10, 15, tzinfo=UTC)
    assert creds.refresh_expires_at == datetime(2031, 5, 11, 10, tzinfo=UTC)


def test_rewriting_a_2x_file_keeps_its_layout_and_anything_we_do_not_know(spec_kitty_home):
    store = CredentialStore()
    write_private(store.path, CLIENT_2X_FILE + '\n[client]\nversion = "2.1.3"\n')
    creds = store.load()
    creds.access, creds.refresh = "new-access", "new-refresh"

    with store.locked():
        store.save(creds)

    doc = tomllib.loads(store.path.read_text())
    assert doc["tokens"]["access"] == "new-access"
    assert doc["tokens"]["refresh"] == "new-refresh"
    assert doc["tokens"]["access_expires_at"] == "2031-05-04T10:15:00+00:00"
    assert doc["user"]["team_slug"] == "kitty-team"
    assert doc["client"] == {"version": "2.1.3"}
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


def test_reads_and_keeps_an_expiries_table(spec_kitty_home):
    store = CredentialStore()
    write_private(store.path, EXPIRIES_LAYOUT)

    creds = store.load()
    assert creds.access_expires_at == datetime(2031, 5, 4, 10, 15, tzinfo=UTC)
    with store.locked():
        store.save(creds)

    doc = tomllib.loads(store.path.read_text())
    assert "access_expires_at" not in doc["tokens"]
    assert datetime.fromisoformat(doc["expiries"]["refresh"]) == creds.refresh_expires_at


def test_a_file_others_can_read_is_refused_with_the_fix(spec_kitty_home):
    store = store_login("https://sync.example.test")
    store.path.chmod(0o644)

    with pytest.raises(CredentialsError) as refused:
        store.load()

    assert f"chmod 600 {store.path}" in str(refused.value)
    assert "access-1" not in str(refused.value)


def test_not_logged_in_says_how_to_log_in(spec_kitty_home):
    with pytest.raises(CredentialsError, match="spec-kitty auth-login"):
        CredentialStore().load()


def test_concurrent_writers_never_leave_a_torn_file(spec_kitty_home):
    store = store_login("https://sync.example.test")
    base = store.load()
    torn = []

    def writer(tag):
        own = CredentialStore()
        for n in range(40):
            base_copy = type(base)(**{**base.__dict__, "access": f"{tag}-{n}" * 50})
            with own.locked():
                own.save(base_copy)

    def reader():
        for _ in range(200):
            try:
                CredentialStore().load()
            except CredentialsError as exc:
                torn.append(str(exc))

    threads = [threading.Thread(target=writer, args=(t,)) for t in "ab"]
    threads.append(threading.Thread(target=reader))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert torn == []
    assert not [name for name in os.listdir(spec_kitty_home) if name.startswith(".credentials.")]
