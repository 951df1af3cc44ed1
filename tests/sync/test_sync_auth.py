import json
import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from kitty_testing import DEMO_PASSWORD, DEMO_USER, store_login
from spec_kitty.jsonl import ScriptError
from spec_kitty.sync.auth import AuthenticationNeeded, TokenKeeper, login
from spec_kitty.sync.server_url import check_server_url, resolve_server
from spec_kitty.sync.transport import open_session
from werkzeug import Response

TOKEN = "/api/v1/token/"
REFRESH = "/api/v1/token/refresh/"


def seconds_from_now(moment: datetime) -> float:
    return (moment - datetime.now(UTC)).total_seconds()


def test_login_reads_the_lifetimes_the_server_sends(httpserver, server_url):
    httpserver.expect_request(
        TOKEN, method="POST", json={"username": "demo", "password": "pw"}
    ).respond_with_json(
        {
            "access": "A1",
            "refresh": "R1",
            "access_lifetime": 600,
            "refresh_lifetime": 86400,
            "team_slug": "kitty-team",
        }
    )

    creds = login(open_session(), server_url, "demo", "pw", 5)

    assert (creds.access, creds.refresh, creds.team_slug) == ("A1", "R1", "kitty-team")
    assert 590 < seconds_from_now(creds.access_expires_at) <= 600
    assert 86390 < seconds_from_now(creds.refresh_expires_at) <= 86400


def test_login_accepts_the_expires_in_names_too(httpserver, server_url):
    httpserver.expect_request(TOKEN, method="POST").respond_with_json(
        {"access": "A1", "refresh": "R1", "expires_in": 120, "refresh_expires_in": 3600}
    )

    creds = login(open_session(), server_url, "demo", "pw", 5)

    assert 110 < seconds_from_now(creds.access_expires_at) <= 120
    assert 3590 < seconds_from_now(creds.refresh_expires_at) <= 3600


def test_without_lifetimes_the_jwt_exp_decides(httpserver, server_url):
    access_exp = int(time.time()) + 300
    refresh_exp = int(time.time()) + 7200
    access = jwt.encode({"exp": access_exp, "token_type": "access"}, "k" * 32)
    refresh = jwt.encode({"exp": refresh_exp, "token_type": "refresh"}, "k" * 32)
    httpserver.expect_request(TOKEN, method="POST").respond_with_json(
        {"access": access, "refresh": refresh}
    )

    creds = login(open_session(), server_url, "demo", "pw", 5)

    assert creds.access_expires_at.timestamp() == access_exp
    assert creds.refresh_expires_at.timestamp() == refresh_exp


def test_without_lifetimes_or_jwt_the_2x_defaults_apply(httpserver, server_url):
    httpserver.expect_request(TOKEN, method="POST").respond_with_json(
        {"access": "opaque", "refresh": "opaque-too"}
    )

    creds = login(open_session(), server_url, "demo", "pw", 5)

    assert 890 < seconds_from_now(creds.access_expires_at) <= 900
    assert seconds_from_now(creds.refresh_expires_at) == pytest.approx(7 * 86400, abs=10)


def test_a_refused_login_says_so_without_echoing_the_password(httpserver, server_url):
    httpserver.expect_request(TOKEN, method="POST").respond_with_json(
        {"error": "Invalid credentials", "code": "invalid_credentials"}, status=401
    )

    with pytest.raises(AuthenticationNeeded) as refused:
        login(open_session(), server_url, "demo", "secret-pw", 5)

    assert "Invalid credentials" in str(refused.value)
    assert "secret-pw" not in str(refused.value)
    assert refused.value.exit_code == 4


def test_an_expired_access_token_is_refreshed_and_both_new_tokens_stored(httpserver, server_url):
    store = store_login(server_url, access="A0", refresh="R0", access_in=-5)
    httpserver.expect_request(REFRESH, method="POST", json={"refresh": "R0"}).respond_with_json(
        {"access": "A1", "refresh": "R1", "access_lifetime": 900, "refresh_lifetime": 3600}
    )

    keeper = TokenKeeper(store, open_session(), server_url, 5)

    assert keeper.access() == "A1"
    stored = store.load()
    assert (stored.access, stored.refresh) == ("A1", "R1")
    assert 3590 < seconds_from_now(stored.refresh_expires_at) <= 3600


def test_tokens_another_process_already_rotated_are_adopted_not_refreshed_again(
    httpserver, server_url
):
    store = store_login(server_url, access="A0", refresh="R0")
    keeper = TokenKeeper(store, open_session(), server_url, 5)
    store_login(server_url, access="A1", refresh="R1")  # another process refreshed meanwhile

    assert keeper.after_unauthorized("A0") == "A1"
    assert httpserver.log == []


def test_a_refresh_lost_to_a_2x_client_rotating_at_the_same_moment_uses_its_tokens(
    httpserver, server_url
):
    store = store_login(server_url, access="A0", refresh="R0", access_in=-5)

    def rotated_by_2x_meanwhile(request):
        rotated = store.load()  # the 2.x client's write, which does not take our lock
        rotated.access, rotated.refresh = "A1", "R1"
        rotated.access_expires_at = datetime.now(UTC) + timedelta(minutes=15)
        store.save(rotated)
        return Response('{"error": "Token is blacklisted", "code": "token_invalid"}', 401)

    httpserver.expect_request(REFRESH, method="POST").respond_with_handler(rotated_by_2x_meanwhile)

    assert TokenKeeper(store, open_session(), server_url, 5).access() == "A1"
    assert store.load().refresh == "R1"


def test_a_refused_refresh_asks_to_log_in_again(httpserver, server_url):
    store = store_login(server_url, access="A0", refresh="R0", access_in=-5)
    httpserver.expect_request(REFRESH, method="POST").respond_with_json(
        {"error": "Token is invalid or expired", "code": "token_invalid"}, status=401
    )

    with pytest.raises(AuthenticationNeeded, match="re-authenticate with `spec-kitty auth-login`"):
        TokenKeeper(store, open_session(), server_url, 5).access()


def test_an_expired_login_is_not_even_sent(httpserver, server_url):
    store = store_login(server_url, access_in=-5, refresh_in=-1)

    with pytest.raises(AuthenticationNeeded, match="auth-login"):
        TokenKeeper(store, open_session(), server_url, 5).access()
    assert httpserver.log == []


def test_a_login_for_another_server_is_not_used(server_url):
    store = store_login("https://other.example.test")

    with pytest.raises(AuthenticationNeeded, match="auth-login --server"):
        TokenKeeper(store, open_session(), server_url, 5)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:9000", "https://sync.test"],
)
def test_https_and_loopback_http_are_accepted(url):
    assert check_server_url(url) == url


def test_plain_http_elsewhere_needs_the_explicit_flag():
    with pytest.raises(ScriptError, match="--allow-insecure-http"):
        check_server_url("http://sync.example.test")
    assert check_server_url("http://sync.example.test", allow_insecure_http=True)


def test_server_resolution_order(spec_kitty_home, monkeypatch):
    spec_kitty_home.mkdir(parents=True)
    (spec_kitty_home / "config.toml").write_text('[sync]\nserver_url = "https://from-2x.test"\n')
    assert resolve_server(None) == "https://from-2x.test"
    monkeypatch.setenv("SPEC_KITTY_SERVER_URL", "https://from-env.test/")
    assert resolve_server(None) == "https://from-env.test"
    assert resolve_server(None, "https://stored.test") == "https://stored.test"
    assert resolve_server("https://flag.test", "https://stored.test") == "https://flag.test"
    assert (spec_kitty_home / "config.toml").read_text().count("from-2x") == 1


def test_auth_tasks_end_to_end(script, httpserver, server_url, spec_kitty_home):
    httpserver.expect_request(TOKEN, method="POST").respond_with_json(
        {"access": "ACCESS-SECRET", "refresh": "REFRESH-SECRET", "access_lifetime": 900}
    )

    login_run = script(
        "spec-kitty",
        "auth-login",
        "--server",
        server_url,
        "--username",
        "demo",
        "--password-stdin",
        input="pw-secret\n",
    )
    status = script("spec-kitty", "auth-status")
    logout = script("spec-kitty", "auth-logout")
    after = script("spec-kitty", "auth-status")

    assert login_run.returncode == 0, login_run.stderr
    assert status.returncode == 0
    assert b"Logged in as demo" in status.stdout and server_url.encode() in status.stdout
    for run in (login_run, status):
        output = run.stdout + run.stderr
        assert b"SECRET" not in output and b"pw-secret" not in output
    assert logout.returncode == 0 and not (spec_kitty_home / "credentials").exists()
    assert after.returncode == 4 and b"auth-login" in after.stderr


def test_logging_in_offline_says_the_login_failed_not_that_events_wait(script):
    from sync_support import closed_port_url

    done = script(
        "spec-kitty",
        "auth-login",
        "--server",
        closed_port_url(),
        "--username",
        DEMO_USER,
        "--password-stdin",
        input=DEMO_PASSWORD + "\n",
    )

    assert done.returncode == 3
    [message] = done.stderr.decode().splitlines()
    assert "offline: cannot reach" in message
    assert message.endswith(
        "not logged in: check the server URL and the connection, then run "
        "`spec-kitty auth-login` again"
    )
    assert "sync-now" not in message and "queued" not in message


def test_auth_status_tells_when_each_token_expires_and_that_an_expired_login_needs_renewing(
    script,
):
    store_login("https://sync.example.test", access_in=-60, refresh_in=3 * 86400)
    fresh = script("spec-kitty", "auth-status")
    store_login("https://sync.example.test", access_in=-60, refresh_in=-60)
    expired = script("spec-kitty", "auth-status")
    as_json = script("spec-kitty", "auth-status", "--json")

    assert fresh.returncode == 0
    lines = fresh.stdout.decode().splitlines()
    assert lines[0] == f"Logged in as {DEMO_USER} to https://sync.example.test"
    assert lines[1].startswith("  access token:  expired at ")
    assert lines[2].startswith("  refresh token: expires at ") and lines[2].endswith(" days)")
    assert len(lines) == 3
    assert expired.returncode == 4
    assert expired.stdout.decode().splitlines()[-1] == (
        "  the login has expired: run `spec-kitty auth-login`"
    )
    status = json.loads(as_json.stdout)
    assert as_json.returncode == 4
    assert (status["access_valid"], status["refresh_valid"]) == (False, False)
    assert (status["username"], status["server"]) == (DEMO_USER, "https://sync.example.test")
    assert "access-1" not in as_json.stdout.decode()
