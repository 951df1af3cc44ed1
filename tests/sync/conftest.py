"""Fixtures of the sync tests."""

import pytest
from pytest_httpserver import HTTPServer


@pytest.fixture
def httpserver():
    """A pytest-httpserver of this test's own on 127.0.0.1: a request another test left in flight
    (a stalled or timed-out one) can never show up in this test's log."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        yield server
    finally:
        server.clear()
        server.stop()


@pytest.fixture
def server_url(httpserver) -> str:
    return httpserver.url_for("/").rstrip("/")
