"""Login, refresh rotation and the 401 answers, against a running reference server."""

import time

import jwt
import pytest
import requests
from kitty_testing import DEMO_PASSWORD, DEMO_USER
from server_helpers import bearer, login
from spec_kitty.server import ReferenceServer


def health(server, token):
    return requests.get(f"{server.url}/api/v1/sync/health/", headers=bearer(token), timeout=5)


def test_login_answers_tokens_with_their_lifetimes(reference_server):
    tokens = login(reference_server)
    assert tokens["access_lifetime"] == 900
    assert tokens["refresh_lifetime"] == 7 * 24 * 3600
    claims = jwt.decode(tokens["access"], options={"verify_signature": False})
    assert claims["sub"] == DEMO_USER
    assert claims["token_type"] == "access"
    assert claims["exp"] - claims["iat"] == 900
    assert health(reference_server, tokens["access"]).json()["status"] == "ok"


def test_team_slug_is_returned_when_the_user_has_one(tmp_path):
    users = {"ann": {"password": "pw", "team_slug": "kitty-team"}}
    with ReferenceServer(tmp_path / "s.db", users=users) as server:
        assert login(server, "ann", "pw")["team_slug"] == "kitty-team"


@pytest.mark.parametrize(
    "body",
    [
        {"username": DEMO_USER, "password": "wrong"},
        {"username": "nobody", "password": DEMO_PASSWORD},
    ],
)
def test_wrong_credentials_are_401_invalid_credentials(reference_server, body):
    response = requests.post(f"{reference_server.url}/api/v1/token/", json=body, timeout=5)
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


def test_login_without_a_password_is_400_naming_the_field(reference_server):
    response = requests.post(
        f"{reference_server.url}/api/v1/token/", json={"username": DEMO_USER}, timeout=5
    )
    assert response.status_code == 400
    assert response.json()["details"] == [{"field": "password", "error": "missing or not a string"}]


def test_refresh_rotates_both_tokens_and_refuses_the_spent_one(reference_server):
    first = login(reference_server)
    url = f"{reference_server.url}/api/v1/token/refresh/"
    second = requests.post(url, json={"refresh": first["refresh"]}, timeout=5).json()
    assert second["access"] != first["access"] and second["refresh"] != first["refresh"]
    assert health(reference_server, second["access"]).status_code == 200

    again = requests.post(url, json={"refresh": first["refresh"]}, timeout=5)
    assert again.status_code == 401
    assert again.json()["code"] == "token_revoked"
    third = requests.post(url, json={"refresh": second["refresh"]}, timeout=5)
    assert third.status_code == 200


def test_an_access_token_cannot_be_used_to_refresh(reference_server):
    tokens = login(reference_server)
    response = requests.post(
        f"{reference_server.url}/api/v1/token/refresh/",
        json={"refresh": tokens["access"]},
        timeout=5,
    )
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"


def _forged(claims: dict, key: str = "not-the-server-secret-but-32-bytes-long") -> str:
    return jwt.encode(claims, key, algorithm="HS256")


def _claims(**overrides) -> dict:
    now = int(time.time())
    claims = {
        "sub": DEMO_USER,
        "token_type": "access",
        "aud": "spec-kitty-sync",
        "iat": now,
        "exp": now + 600,
        "jti": "x",
    }
    return {**claims, **overrides}


def test_expired_tampered_wrong_audience_and_wrong_type_tokens_are_401(reference_server):
    secret = reference_server.issuer.secret
    access = login(reference_server)["access"]
    header, payload, signature = access.split(".")
    cases = {
        "expired": (reference_server.issue_token(DEMO_USER, lifetime=-5), "token_expired"),
        "tampered": (f"{header}.{payload}.{signature[:-4]}AAAA", "token_invalid"),
        "foreign key": (_forged(_claims()), "token_invalid"),
        "wrong audience": (_forged(_claims(aud="someone-else"), secret), "token_invalid"),
        "refresh as access": (login(reference_server)["refresh"], "token_invalid"),
        "unknown user": (_forged(_claims(sub="ghost"), secret), "token_invalid"),
        "not a jwt": ("garbage", "token_invalid"),
    }
    for name, (token, code) in cases.items():
        response = health(reference_server, token)
        assert response.status_code == 401, name
        assert response.json()["code"] == code, name
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_no_authorization_header_is_401_token_missing(reference_server):
    response = requests.get(f"{reference_server.url}/api/v1/sync/health/", timeout=5)
    assert response.status_code == 401
    assert response.json()["code"] == "token_missing"


def test_tokens_stay_valid_across_a_restart_on_the_same_database(tmp_path):
    users = {DEMO_USER: {"password": DEMO_PASSWORD}}
    with ReferenceServer(tmp_path / "s.db", users=users) as server:
        tokens = login(server)
    with ReferenceServer(tmp_path / "s.db", users=users) as server:
        assert health(server, tokens["access"]).status_code == 200


def test_the_database_holding_the_signing_secret_is_private(tmp_path):
    with ReferenceServer(tmp_path / "s.db", users={"demo": {"password": "pw"}}):
        assert (tmp_path / "s.db").stat().st_mode & 0o777 == 0o600
