"""contract-check talks to a server the way the rest of the toolkit does: its User-Agent, the
private CA settings, no redirect followed, and no password quoted back from a refused login."""

import pytest
from kitty_testing import needs_openssl, self_signed_certificate
from spec_kitty import __version__
from spec_kitty.contract.check import FAIL, PASS, CheckSettings, check_all
from spec_kitty.jsonl import EXIT_AUTH, ScriptError
from spec_kitty.server import ReferenceServer

PROJECT = "0b5d9a3e-2c1f-4e8a-9b7d-3f6e1a2c4d5e"
PASSWORD = "checker-password"
HEALTH = {
    "name": "health",
    "steps": [
        {"request": {"method": "GET", "path": "/api/v1/sync/health/"}, "expect": {"status": 200}}
    ],
}
LOGIN = {
    "name": "login",
    "steps": [
        {
            "request": {
                "method": "GET",
                "path": "/api/v1/sync/health/",
                "headers": {"Authorization": "Bearer {{access_token}}"},
            },
            "expect": {"status": 200},
        }
    ],
}


def settings(url, **overrides):
    return CheckSettings(url, "checker", PASSWORD, PROJECT, "other-project", **overrides)


@pytest.fixture(autouse=True)
def no_ca_settings(monkeypatch):
    for variable in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
        monkeypatch.delenv(variable, raising=False)


def test_requests_carry_the_toolkits_user_agent(httpserver):
    httpserver.expect_request(
        "/api/v1/sync/health/", headers={"User-Agent": f"spec-kitty-toolkit/{__version__}"}
    ).respond_with_json({"status": "ok"})
    [outcome] = check_all(settings(httpserver.url_for("")), [HEALTH])
    assert outcome["status"] == PASS, outcome


def test_a_redirect_is_answered_not_followed(httpserver):
    """As the sync does: a token or an event goes to the server checked, or nowhere."""
    elsewhere = httpserver.url_for("/elsewhere/")
    httpserver.expect_request("/api/v1/sync/health/").respond_with_data(
        "", status=302, headers={"Location": elsewhere}
    )
    httpserver.expect_request("/elsewhere/").respond_with_json({"status": "ok"})
    [outcome] = check_all(settings(httpserver.url_for("")), [HEALTH])
    assert outcome["status"] == FAIL
    assert outcome["differences"] == [{"path": "status", "expected": 200, "found": 302}]
    assert [request.path for request, _ in httpserver.log] == ["/api/v1/sync/health/"]


@needs_openssl
@pytest.mark.parametrize("trusted_by", ["SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "ca_cert"])
def test_a_private_ca_is_trusted_from_the_environment_or_the_option(
    tmp_path, monkeypatch, trusted_by
):
    cert, key = self_signed_certificate(tmp_path)
    if trusted_by == "ca_cert":
        overrides = {"ca_cert": str(cert)}
    else:
        monkeypatch.setenv(trusted_by, str(cert))
        overrides = {}
    users = {"checker": {"password": PASSWORD}}
    with ReferenceServer(tmp_path / "s.db", users=users, tls_cert=cert, tls_key=key) as server:
        [outcome] = check_all(settings(server.url, **overrides), [LOGIN])
    assert outcome["status"] == PASS, outcome


def test_a_refused_login_never_quotes_the_password(httpserver):
    httpserver.expect_request("/api/v1/token/", method="POST").respond_with_json(
        {"error": f"wrong password {PASSWORD!r} for checker"}, status=401
    )
    with pytest.raises(ScriptError) as refused:
        list(check_all(settings(httpserver.url_for("")), [LOGIN]))
    assert refused.value.exit_code == EXIT_AUTH
    assert PASSWORD not in str(refused.value)
    assert "HTTP 401 wrong password '<password>' for checker" in str(refused.value)
