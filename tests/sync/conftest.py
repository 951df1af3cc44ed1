"""Fixtures of the sync tests."""

import pytest


@pytest.fixture
def server_url(httpserver) -> str:
    return httpserver.url_for("/").rstrip("/")
