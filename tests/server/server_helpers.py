"""Talking to a reference server in tests: login, batches, event builders."""

import gzip
import json

import requests
from factories import PROJECT_UUID, status_event
from kitty_testing import DEMO_PASSWORD, DEMO_USER

OTHER_PROJECT = "00000000-0000-4000-8000-000000000403"


def login(server, username=DEMO_USER, password=DEMO_PASSWORD, verify=True) -> dict:
    """A login that must succeed: the token pair. `verify`: the CA file of a TLS server."""
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
    """POST a batch; `body` (bytes) replaces the JSON of {"events": events}."""
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


def synced(**overrides) -> dict:
    """A valid WPStatusChanged event in the 4 sync lanes."""
    return status_event(from_lane="planned", to_lane="doing", **overrides)


__all__ = ["OTHER_PROJECT", "PROJECT_UUID", "bearer", "login", "post_batch", "synced"]
