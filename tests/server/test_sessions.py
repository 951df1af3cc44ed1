"""Logins can be ended: by a password change (users file reloaded, or a restart), on demand, and
by their own absolute end, which refreshing never moves. Guessing is slowed down by 429s."""

import http.client
import json
import signal
import time

import jwt
import pytest
import requests
from kitty_testing import json_lines
from server_helpers import bearer, login, post_batch, synced
from spec_kitty.server import ReferenceServer


def health(server, token):
    return requests.get(f"{server.url}/api/v1/sync/health/", headers=bearer(token), timeout=5)


def refresh(server, token):
    return requests.post(f"{server.url}/api/v1/token/refresh/", json={"refresh": token}, timeout=5)


def ended(response) -> bool:
    return response.status_code == 401 and response.json()["code"] == "token_revoked"


def write_users(path, password: str) -> None:
    path.write_text(json.dumps({"users": {"ann": {"password": password}}}))
    path.chmod(0o600)


def test_a_password_changed_across_a_restart_ends_the_old_logins(tmp_path):
    db = tmp_path / "s.db"
    with ReferenceServer(db, users={"ann": {"password": "old-pw"}}) as server:
        tokens = login(server, "ann", "old-pw")
        assert health(server, tokens["access"]).status_code == 200
    with ReferenceServer(db, users={"ann": {"password": "new-pw"}}) as server:
        assert ended(health(server, tokens["access"]))
        assert ended(refresh(server, tokens["refresh"]))
        assert health(server, login(server, "ann", "new-pw")["access"]).status_code == 200
    # A restart with the same password keeps the logins.
    with ReferenceServer(db, users={"ann": {"password": "new-pw"}}) as server:
        assert login(server, "ann", "new-pw")["access"]


def test_a_password_changed_in_the_users_file_ends_the_logins_without_a_restart(tmp_path):
    users_file = tmp_path / "users.json"
    write_users(users_file, "old-pw")
    with ReferenceServer(tmp_path / "s.db", users={}, users_file=users_file) as server:
        tokens = login(server, "ann", "old-pw")
        write_users(users_file, "a-longer-new-pw")

        assert ended(health(server, tokens["access"]))
        assert ended(refresh(server, tokens["refresh"]))
        old = requests.post(
            f"{server.url}/api/v1/token/",
            json={"username": "ann", "password": "old-pw"},
            timeout=5,
        )
        assert old.status_code == 401
        assert health(server, login(server, "ann", "a-longer-new-pw")["access"]).status_code == 200


def test_a_broken_users_file_keeps_the_users_as_they_were(tmp_path, capfd):
    users_file = tmp_path / "users.json"
    write_users(users_file, "pw")
    with ReferenceServer(tmp_path / "s.db", users={}, users_file=users_file) as server:
        tokens = login(server, "ann", "pw")
        users_file.write_text("{ half written")
        assert health(server, tokens["access"]).status_code == 200
        assert login(server, "ann", "pw")["access"]
    assert "users file not reloaded, the users stay as they were" in capfd.readouterr().err


def test_refreshing_keeps_the_logins_first_end(tmp_path):
    users = {"ann": {"password": "pw"}}
    # Whole seconds: the login ends 2 to 3 s from now, so the refresh below comes well before.
    with ReferenceServer(tmp_path / "s.db", users=users, refresh_lifetime=3) as server:
        first = login(server, "ann", "pw")
        first_end = jwt.decode(first["refresh"], options={"verify_signature": False})["exp"]
        time.sleep(1.1)
        second = refresh(server, first["refresh"]).json()
        claims = jwt.decode(second["refresh"], options={"verify_signature": False})

        assert claims["exp"] == first_end
        assert second["refresh_lifetime"] <= 2
        assert second["access_lifetime"] <= second["refresh_lifetime"]
        time.sleep(max(0, first_end - time.time()) + 0.2)
        assert refresh(server, second["refresh"]).status_code == 401
        assert health(server, second["access"]).status_code == 401


def test_ending_a_users_logins_on_demand(tmp_path, capfd):
    users = {"ann": {"password": "pw"}, "bob": {"password": "pw"}}
    with ReferenceServer(tmp_path / "s.db", users=users) as server:
        ann, again, bob = (
            login(server, "ann", "pw"),
            login(server, "ann", "pw"),
            login(server, "bob", "pw"),
        )

        assert server.end_sessions("ann") == 2

        assert ended(health(server, ann["access"])) and ended(refresh(server, again["refresh"]))
        assert health(server, bob["access"]).status_code == 200
        assert health(server, login(server, "ann", "pw")["access"]).status_code == 200
    assert "ended 2 login(s) of 'ann'" in capfd.readouterr().err


def test_server_revoke_ends_the_logins_of_a_running_serve(tmp_path, script):
    from test_serve import _At, _start_serve

    db = tmp_path / "served.db"
    process, url = _start_serve("--db", str(db), "--user-stdin", stdin_text="ann:pw\n")
    try:
        tokens = login(_At(url), "ann", "pw")
        assert post_batch(_At(url), tokens["access"], [synced()]).status_code == 200

        done = script("spec-kitty", "server-revoke", "ann", "--db", str(db))

        assert done.returncode == 0, done.stderr
        assert f"ended 1 login(s) of 'ann' in {db}" in done.stderr.decode()
        assert ended(post_batch(_At(url), tokens["access"], [synced()]))
        assert ended(refresh(_At(url), tokens["refresh"]))
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    listed = script("spec-kitty", "server-events", "--db", str(db), "--json")
    assert len(json_lines(listed.stdout)) == 1


def test_server_revoke_without_a_database_names_it(tmp_path, script):
    missing = tmp_path / "nothing.db"
    done = script("spec-kitty", "server-revoke", "ann", "--db", str(missing))
    assert done.returncode == 2
    assert f"{missing} is not a reference-server database" in done.stderr.decode()
    assert not missing.exists()


def attempt_login(server, username, password, source="127.0.0.1"):
    """A login from `source` (any loopback address), as (status, headers, body)."""
    host, port = server.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5, source_address=(source, 0))
    try:
        body = json.dumps({"username": username, "password": password})
        conn.request("POST", "/api/v1/token/", body, {"Content-Type": "application/json"})
        answer = conn.getresponse()
        return answer.status, dict(answer.getheaders()), json.loads(answer.read())
    finally:
        conn.close()


@pytest.fixture
def strict_server(tmp_path):
    users = {"ann": {"password": "ann-pw"}, "bob": {"password": "bob-pw"}}
    with ReferenceServer(tmp_path / "s.db", users=users, login_attempts=3) as server:
        yield server


def test_guessing_a_users_password_is_answered_429_whatever_the_address(strict_server, capfd):
    for source in ("127.0.0.2", "127.0.0.3", "127.0.0.4"):
        assert attempt_login(strict_server, "ann", "guess", source)[0] == 401

    status, headers, body = attempt_login(strict_server, "ann", "ann-pw", "127.0.0.1")

    assert status == 429 and body["code"] == "rate_limited"
    assert 1 <= int(headers["Retry-After"]) <= 60
    assert attempt_login(strict_server, "bob", "bob-pw", "127.0.0.1")[0] == 200
    log = capfd.readouterr().err
    assert "throttled a login (user 'ann', address 127.0.0.1)" in log
    assert "answered 429 (1 so far)" in log


def test_guessing_from_one_address_is_answered_429_whatever_the_user(strict_server):
    for user in ("ann", "bob", "carol"):
        assert attempt_login(strict_server, user, "guess", "127.0.0.2")[0] == 401

    assert attempt_login(strict_server, "bob", "bob-pw", "127.0.0.2")[0] == 429
    assert attempt_login(strict_server, "bob", "bob-pw", "127.0.0.3")[0] == 200


def test_refreshing_with_bad_tokens_is_throttled_too(strict_server):
    statuses = [refresh(strict_server, f"not-a-token-{i}").status_code for i in range(4)]
    assert statuses == [401, 401, 401, 429]


def test_a_login_that_succeeds_is_not_counted(strict_server):
    statuses = [attempt_login(strict_server, "ann", "ann-pw")[0] for _ in range(6)]
    assert statuses == [200] * 6
