"""Whatever a request holds, the reference server answers with a 4xx and a JSON error, stores
nothing it should not, and spends no more than its limits allow."""

import gzip
import json
import socket
import time

import pytest
import requests
from kitty_testing import DEMO_PASSWORD, DEMO_USER, needs_openssl, self_signed_certificate
from server_helpers import bearer, login, post_batch, synced
from spec_kitty.server import ReferenceServer

USERS = {DEMO_USER: {"password": DEMO_PASSWORD}}


@pytest.fixture
def token(reference_server):
    return login(reference_server)["access"]


def refused(response, status: int, error: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert error in body["error"], body
    return body


def event_with(value) -> dict:
    event = synced()
    event["payload"]["note"] = value
    return event


def raw_events(*events: str) -> bytes:
    return ('{"events": [' + ",".join(events) + "]}").encode()


@pytest.mark.parametrize("encoding", ["gzip", "identity"])
def test_json_nested_a_thousand_deep_is_400_not_500(reference_server, token, encoding):
    deep = "[" * 1000 + "]" * 1000
    body = raw_events(json.dumps(synced())[:-1] + f', "extra": {deep}}}')
    if encoding == "gzip":
        body = gzip.compress(body)
    response = post_batch(reference_server, token, body=body, encoding=encoding)
    refused(response, 400, "Request body is nested deeper than 32 levels")
    assert reference_server.stored_events() == []


def test_nesting_past_the_configured_depth_is_400_and_within_it_accepted(tmp_path):
    with ReferenceServer(tmp_path / "s.db", users=USERS, max_json_depth=6) as server:
        token = login(server)["access"]
        # {"events": [{"payload": {"note": [ [..] ]}}]}: the body itself takes 4 levels.
        fits, deeper = event_with([[]]), event_with([[[]]])
        assert post_batch(server, token, [fits]).status_code == 200
        refused(post_batch(server, token, [deeper]), 400, "nested deeper than 6 levels")


@pytest.mark.parametrize(
    ("number", "error"),
    [
        ("1" + "0" * 4999, "holds a number longer than 40 characters"),
        ("-0." + "0" * 60 + "1", "holds a number longer than 40 characters"),
        ("1e999", "holds a number out of range"),
        ("NaN", "is not valid JSON"),
        ("-Infinity", "is not valid JSON"),
    ],
)
def test_numbers_too_long_out_of_range_or_not_json_are_400(reference_server, token, number, error):
    body = raw_events(json.dumps(synced())[:-1] + f', "lamport_clock": {number}}}')
    refused(post_batch(reference_server, token, body=body, encoding="identity"), 400, error)
    assert reference_server.stored_events() == []


def test_an_event_holding_a_lone_surrogate_is_named_and_its_neighbours_sent_again(
    reference_server, token
):
    good, bad = synced(), synced()
    text = json.dumps(bad)[:-1] + ', "note": "half a pair \\ud800 here"}'
    body = raw_events(json.dumps(good), text)
    answer = refused(
        post_batch(reference_server, token, body=body, encoding="identity"),
        400,
        "1 malformed event(s); nothing was stored",
    )
    assert answer["details"] == [
        {
            "index": 1,
            "event_id": bad["event_id"],
            "error": "note holds a lone surrogate (half of a UTF-16 pair), which is not "
            "Unicode text",
        }
    ]
    assert reference_server.stored_events() == []
    # A real pair, as JSON encoders that escape everything write it, is ordinary text.
    pair = json.dumps(event_with("cat \U0001f431"), ensure_ascii=True)
    assert "\\ud83d\\udc31" in pair
    ok = post_batch(reference_server, token, body=raw_events(pair), encoding="identity")
    assert ok.status_code == 200 and ok.json()["summary"]["success"] == 1


@pytest.mark.parametrize("field", ["username", "password"])
def test_a_lone_surrogate_in_a_login_is_400_json_not_an_html_500(reference_server, field):
    body = {"username": DEMO_USER, "password": DEMO_PASSWORD, field: "\ud800"}
    response = requests.post(
        f"{reference_server.url}/api/v1/token/",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        timeout=5,
    )
    answer = refused(response, 400, "Request body is not valid JSON")
    assert "lone surrogate" in answer["details"][0]["error"]


@pytest.mark.parametrize("after", ["9" * 19, "9" * 400, "-1", "1e3", "x"])
def test_a_huge_or_odd_after_is_400_json(reference_server, token, after):
    response = requests.get(
        f"{reference_server.url}/api/v1/events/",
        params={"after": after},
        headers=bearer(token),
        timeout=5,
    )
    refused(response, 400, "after must be a whole number below 10^18")


def test_more_events_than_the_limit_is_413_naming_it(tmp_path):
    with ReferenceServer(tmp_path / "s.db", users=USERS, max_events=5) as server:
        token = login(server)["access"]
        answer = refused(
            post_batch(server, token, [synced() for _ in range(6)]),
            413,
            "Batch holds 6 events; this server takes at most 5 per request",
        )
        assert answer["details"] == [{"error": "send at most 5 events per request"}]
        assert server.stored_events() == []
        assert post_batch(server, token, [synced() for _ in range(5)]).status_code == 200


def test_a_tiny_gzip_of_countless_empty_events_is_refused_before_it_is_parsed(
    reference_server, token
):
    # About 9.6 MB of JSON in 10 KB of gzip: three million objects if it were parsed.
    body = gzip.compress(b'{"events": [' + b"{}," * 3_200_000 + b"{}]}", 9)
    assert len(body) < 20_000
    started = time.monotonic()
    response = post_batch(reference_server, token, body=body)
    answer = refused(response, 413, "Request body holds more than 256000 JSON values")
    assert "at most 1000 events per request" in answer["error"]
    assert len(response.content) < 1000  # an answer as small as the question
    assert time.monotonic() - started < 5
    assert reference_server.stored_events() == []


def test_a_login_body_over_its_own_limit_is_413(tmp_path):
    with ReferenceServer(tmp_path / "s.db", users=USERS, max_login_bytes=1000) as server:
        padded = {"username": DEMO_USER, "password": DEMO_PASSWORD, "padding": "x" * 2000}
        response = requests.post(f"{server.url}/api/v1/token/", json=padded, timeout=5)
        refused(response, 413, "Request body exceeds 1000 bytes")
        assert login(server)["access"]


def chunks_of(data: bytes, size: int = 4096):
    for start in range(0, len(data), size):
        yield data[start : start + size]


def test_a_chunked_body_over_the_limit_is_413_like_one_with_a_length(tmp_path):
    with ReferenceServer(tmp_path / "s.db", users=USERS, max_body_bytes=20_000) as server:
        token = login(server)["access"]
        body = json.dumps({"events": [synced() for _ in range(60)]}).encode()
        assert len(body) > 20_000
        headers = {**bearer(token), "Content-Type": "application/json"}
        url = f"{server.url}/api/v1/events/batch/"
        with_length = requests.post(url, data=body, headers=headers, timeout=10)
        chunked = requests.post(url, data=chunks_of(body), headers=headers, timeout=10)
        for response in (with_length, chunked):
            refused(response, 413, "Request body exceeds 20000 bytes")
        assert server.stored_events() == []
        small = json.dumps({"events": [synced()]}).encode()
        accepted = requests.post(url, data=chunks_of(small, 100), headers=headers, timeout=10)
        assert accepted.json()["summary"]["success"] == 1


def test_a_body_far_over_the_limit_is_refused_unread_still_as_json(tmp_path):
    with ReferenceServer(tmp_path / "s.db", users=USERS, max_body_bytes=20_000) as server:
        token = login(server)["access"]
        with socket.create_connection(("127.0.0.1", int(server.url.rsplit(":", 1)[1]))) as conn:
            conn.sendall(
                b"POST /api/v1/events/batch/ HTTP/1.1\r\nHost: x\r\n"
                + f"Authorization: Bearer {token}\r\n".encode()
                + b"Content-Length: 50000000\r\n\r\n"
            )
            status, headers, body = read_answer(conn)
        assert status.startswith(b"HTTP/1.1 413")
        assert b"Content-Type: application/json" in headers
        assert json.loads(body)["error"].startswith("Request body exceeds 20000 bytes")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (gzip.compress(b'{"events": []}') + gzip.compress(b"{}"), "after the end of the gzip"),
        (gzip.compress(b'{"events": []}') + b"trailing garbage", "after the end of the gzip"),
    ],
    ids=["two-members", "trailing-garbage"],
)
def test_a_gzip_body_is_exactly_one_member(reference_server, token, body, reason):
    answer = refused(
        post_batch(reference_server, token, body=body), 400, "Request body is not valid gzip data"
    )
    assert reason in answer["details"][0]["error"]


def test_broken_http_gets_a_json_error_from_the_server_itself(reference_server):
    port = int(reference_server.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as conn:
        conn.sendall(b"POST /api/v1/token/ HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n")
        status, headers, body = read_answer(conn)
    assert status.startswith(b"HTTP/1.1 400")
    assert b"Content-Type: application/json" in headers
    assert json.loads(body)["error"]


def test_half_sent_requests_hold_no_worker_and_are_closed_when_idle(tmp_path):
    with ReferenceServer(tmp_path / "s.db", users=USERS, threads=1, idle_timeout=1) as server:
        port = int(server.url.rsplit(":", 1)[1])
        stalled = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
        for conn in stalled:
            conn.sendall(b"POST /api/v1/token/ HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        # The one worker thread still answers everyone else at once.
        assert login(server)["access"]
        for conn in stalled:
            conn.settimeout(10)
            started = time.monotonic()
            assert conn.recv(100) == b""  # closed by the server
            assert time.monotonic() - started < 5
            conn.close()


def read_answer(conn: socket.socket) -> tuple[bytes, bytes, bytes]:
    conn.settimeout(10)
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(4096)
    head, body = data.split(b"\r\n\r\n", 1)
    status, _, headers = head.partition(b"\r\n")
    length = int(
        next(
            line.split(b":")[1]
            for line in headers.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        )
    )
    while len(body) < length:
        body += conn.recv(4096)
    return status, headers, body


@needs_openssl
def test_over_tls_a_client_that_never_says_hello_blocks_no_one_and_is_dropped(tmp_path):
    cert, key = self_signed_certificate(tmp_path)
    with ReferenceServer(
        tmp_path / "s.db", users=USERS, tls_cert=cert, tls_key=key, idle_timeout=1
    ) as server:
        port = int(server.url.rsplit(":", 1)[1])
        silent = socket.create_connection(("127.0.0.1", port))
        started = time.monotonic()
        login(server, verify=str(cert))
        assert time.monotonic() - started < 1  # not queued behind the silent handshake
        silent.settimeout(10)
        assert silent.recv(100) == b""  # dropped after the idle timeout
        silent.close()
