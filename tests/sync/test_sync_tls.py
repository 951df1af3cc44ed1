"""https with a private CA, against the reference server serving TLS."""

import pytest
from factories import envelope
from kitty_testing import (
    DEMO_PASSWORD,
    DEMO_USER,
    fill_queue,
    login,
    needs_openssl,
    self_signed_certificate,
)
from spec_kitty.server import ReferenceServer
from sync_support import queued_ids

pytestmark = needs_openssl


@pytest.fixture
def tls_server(tmp_path):
    cert, key = self_signed_certificate(tmp_path)
    server = ReferenceServer(
        tmp_path / "server.db",
        users={DEMO_USER: {"password": DEMO_PASSWORD, "projects": ["*"]}},
        tls_cert=cert,
        tls_key=key,
    ).start()
    try:
        yield server, cert
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def no_ca_settings(monkeypatch):
    for variable in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
        monkeypatch.delenv(variable, raising=False)


def test_an_untrusted_certificate_is_refused_with_the_fix(script, tls_server):
    server, _ = tls_server

    refused = login(server.url, {}, check=False)

    assert refused.returncode == 3
    assert b"REQUESTS_CA_BUNDLE" in refused.stderr and b"Traceback" not in refused.stderr


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"])
def test_a_private_ca_is_trusted_through_the_usual_variables(
    script, tls_server, monkeypatch, variable
):
    server, cert = tls_server
    monkeypatch.setenv(variable, str(cert))
    fill_queue([envelope(0)])

    logged_in = login(server.url, {}, check=False)
    synced = script("spec-kitty", "sync-now")

    assert logged_in.returncode == 0, logged_in.stderr
    assert synced.returncode == 0, synced.stderr
    assert queued_ids() == []
    assert [e["event_id"] for e in server.stored_events()] == [envelope(0)["event_id"]]
