"""Security: the credentials file and its directory are checked on every read, plain http goes
only to this machine unless the user says otherwise, and no token ever reaches an output, a report
or the queue, not even when a server echoes it back."""

import gzip
import json
import stat
import subprocess

import pytest
from factories import envelope
from faults_support import BATCH, VENV_BIN, queue_rows, sync_now
from kitty_testing import fill_queue, login, store_login
from werkzeug import Response

ACCESS, REFRESH = "ACCESS-7f3a9c-SECRET", "REFRESH-b81d2e-SECRET"


def run(*command: str, input: bytes = b"") -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(VENV_BIN / command[0]), *command[1:]], input=input, capture_output=True, timeout=60
    )


def no_secrets(*outputs: bytes) -> None:
    for output in outputs:
        assert ACCESS.encode() not in output and REFRESH.encode() not in output


def readers(event_line: bytes):
    """Every command that reads the stored login, as (command, stdin)."""
    return [
        (["spec-kitty", "auth-status"], b""),
        (["spec-kitty", "sync-now"], b""),
        (["spec-kitty", "sync-status", "--check"], b""),
        (["batch-send"], event_line),
    ]


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o606])
def test_a_credentials_file_others_may_read_or_write_is_refused_by_every_reader(httpserver, mode):
    store = store_login(httpserver.url_for("/").rstrip("/"), ACCESS, REFRESH)
    fill_queue([envelope(0)])
    store.path.chmod(mode)

    for command, stdin in readers(json.dumps(envelope(0)).encode() + b"\n"):
        done = run(*command, input=stdin)
        no_secrets(done.stdout, done.stderr)
        assert b"Traceback" not in done.stderr, command
        if command[-1] == "sync-status" or "--check" in command:
            assert f"chmod 600 {store.path}".encode() in done.stdout + done.stderr, command
            continue
        assert done.returncode == 4, (command, done.stderr)
        assert f"chmod 600 {store.path}".encode() in done.stderr, command
    assert httpserver.log == []  # nothing was sent with a login others could have read
    assert len(queue_rows()) == 1


def test_a_credentials_directory_others_may_write_is_refused(httpserver, spec_kitty_home):
    store = store_login(httpserver.url_for("/").rstrip("/"), ACCESS, REFRESH)
    spec_kitty_home.chmod(0o777)

    done = run("spec-kitty", "auth-status")

    assert done.returncode == 4
    assert f"chmod 700 {spec_kitty_home}".encode() in done.stderr
    no_secrets(done.stdout, done.stderr)
    spec_kitty_home.chmod(0o700)
    assert run("spec-kitty", "auth-status").returncode == 0
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


def test_a_credentials_path_that_cannot_be_read_is_one_clear_error(spec_kitty_home):
    (spec_kitty_home / "credentials").mkdir(mode=0o700, parents=True)

    done = run("spec-kitty", "auth-status")

    assert done.returncode == 4
    assert b"Traceback" not in done.stderr and len(done.stderr.splitlines()) == 1
    assert str(spec_kitty_home / "credentials").encode() in done.stderr


def test_plain_http_to_another_host_is_refused_before_any_connection(httpserver):
    # 127.1 reaches this machine, but is not a name the check trusts as this machine: it stands in
    # for any other host, with a server on it to see whether anything arrives.
    port = httpserver.port
    elsewhere = f"http://127.1:{port}"
    httpserver.expect_request("/api/v1/token/", method="POST").respond_with_json(
        {"access": ACCESS, "refresh": REFRESH, "access_lifetime": 900}
    )
    httpserver.expect_request(BATCH, method="POST").respond_with_handler(
        lambda request: Response(
            json.dumps(
                {
                    "results": [
                        {"event_id": e["event_id"], "status": "success"}
                        for e in json.loads(gzip.decompress(request.get_data()))["events"]
                    ]
                }
            ),
            content_type="application/json",
        )
    )

    refused_login = login(elsewhere, password="pw", check=False)
    store_login(elsewhere, ACCESS, REFRESH)
    fill_queue([envelope(0)])
    refused_sync = sync_now()
    refused_send = run("batch-send", input=json.dumps(envelope(0)).encode() + b"\n")

    for done in (refused_login, refused_sync, refused_send):
        assert done.returncode == 2, done.stderr
        assert b"refusing to send credentials over plain http to 127.1" in done.stderr
        assert b"--allow-insecure-http" in done.stderr
    assert httpserver.log == []
    assert len(queue_rows()) == 1

    allowed = sync_now("--allow-insecure-http")
    assert allowed.returncode == 0, allowed.stderr
    assert queue_rows() == {} and len(httpserver.log) == 1


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1@sync.example.test",
        "http://sync.example.test#@127.0.0.1",
        "http://sync.example.test?@127.0.0.1",
        "http://127.0.0.1:80@sync.example.test",
        "http://localhost.sync.example.test",
        "http://127.0.0.1.sync.example.test",
        "http://[::ffff:10.0.0.1]",
        "http://0.0.0.0",
        "http://sync.example.test\\@127.0.0.1",
    ],
)
def test_urls_dressed_up_as_this_machine_are_refused(url):
    from spec_kitty.jsonl import ScriptError
    from spec_kitty.sync.server_url import check_server_url
    from urllib3.util import parse_url

    try:
        check_server_url(url)
    except ScriptError:
        return
    # Accepted: then the host the HTTP library connects to must be this machine.
    from spec_kitty.sync.server_url import is_loopback

    assert is_loopback(parse_url(url).host.strip("[]")), url


def echoing_handler(request):
    """A server that quotes the Authorization header back in every kind of answer it gives."""
    said = request.headers.get("Authorization", "")
    events = json.loads(gzip.decompress(request.get_data()))["events"]
    ids = [e["event_id"] for e in events]
    if len(ids) > 2:
        return Response(
            json.dumps(
                {
                    "error": f"Malformed events list (you sent {said})",
                    "details": [{"event_id": ids[0], "error": f"bad event, token {said}"}],
                }
            ),
            400,
            content_type="application/json",
        )
    return Response(
        json.dumps(
            {
                "results": [
                    {"event_id": ids[0], "status": "rejected", "error": f"refused for {said}"},
                    *[{"event_id": i, "status": f"held {said}"} for i in ids[1:]],
                ]
            }
        ),
        content_type="application/json",
    )


def test_a_server_that_echoes_the_token_does_not_get_it_into_any_output(httpserver, tmp_path):
    store_login(httpserver.url_for("/").rstrip("/"), ACCESS, REFRESH)
    fill_queue([envelope(i) for i in range(5)])
    httpserver.expect_request(BATCH, method="POST").respond_with_handler(echoing_handler)
    report = tmp_path / "report.json"

    text = sync_now("--report", str(report), "--chunk-size", "5")
    as_json = sync_now("--json")
    stats = run("queue-stats")
    exported = run("queue-export", "--include-failed")

    assert text.returncode == 1, text.stderr
    assert len(httpserver.log) >= 2
    no_secrets(
        text.stdout,
        text.stderr,
        as_json.stdout,
        as_json.stderr,
        stats.stdout,
        exported.stdout,
        report.read_bytes(),
    )
    for row in queue_rows().values():
        no_secrets(json.dumps(row).encode())
    from spec_kitty.queue.store import queue_path

    no_secrets(queue_path().read_bytes())


def test_a_server_quoting_the_password_or_refresh_token_in_a_refusal_is_blanked(httpserver):
    url = httpserver.url_for("/").rstrip("/")
    httpserver.expect_request("/api/v1/token/", method="POST").respond_with_json(
        {"error": "wrong password pw-7c1e-SECRET for demo"}, status=401
    )
    httpserver.expect_request("/api/v1/token/refresh/", method="POST").respond_with_json(
        {"detail": f"refresh token {REFRESH} was revoked"}, status=401
    )

    refused_login = login(url, password="pw-7c1e-SECRET", check=False)
    store = store_login(url, ACCESS, REFRESH)
    creds = store.load()
    creds.access_expires_at = creds.access_expires_at.replace(year=2020)
    with store.locked():
        store.save(creds)
    fill_queue([envelope(0)])
    refused_refresh = sync_now()

    assert refused_login.returncode == 4
    assert b"wrong password [secret] for demo" in refused_login.stderr
    assert b"pw-7c1e-SECRET" not in refused_login.stdout + refused_login.stderr
    assert refused_refresh.returncode == 4
    assert b"refresh token [secret] was revoked" in refused_refresh.stderr
    no_secrets(refused_refresh.stdout, refused_refresh.stderr)


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_to_another_server_is_not_followed(httpserver, status):
    from pytest_httpserver import HTTPServer

    elsewhere = HTTPServer(host="127.0.0.1", port=0)
    elsewhere.expect_request(BATCH).respond_with_json({"results": []})
    elsewhere.start()
    try:
        target = elsewhere.url_for(BATCH)
        httpserver.expect_request(BATCH, method="POST").respond_with_response(
            Response("", status, {"Location": target})
        )
        store_login(httpserver.url_for("/").rstrip("/"), ACCESS, REFRESH)
        fill_queue([envelope(0)])

        done = sync_now()
    finally:
        elsewhere.clear()
        received = list(elsewhere.log)
        elsewhere.stop()

    assert received == []  # the events go to the configured server or nowhere
    assert done.returncode != 0 and f"HTTP {status}".encode() in done.stderr
    no_secrets(done.stdout, done.stderr)
    assert len(queue_rows()) == 1


def echo_the_body(request):
    """A login refusal quoting the request body as it arrived: the password JSON-escaped."""
    return Response(
        json.dumps({"error": f"no such login: {request.get_data(as_text=True)}"}),
        401,
        content_type="application/json",
    )


@pytest.mark.parametrize("password", ['PASS"WORD-7c1e', "P\u00c4SS-7c1e", "pass word/7c1e"])
@pytest.mark.parametrize("echo", ["json", "url"])
def test_a_password_echoed_json_escaped_or_url_encoded_is_blanked(httpserver, password, echo):
    from urllib.parse import quote_plus

    url = httpserver.url_for("/").rstrip("/")
    if echo == "json":
        handler = echo_the_body
    else:
        quoted = quote_plus(password)
        handler = lambda request: Response(  # noqa: E731
            json.dumps({"error": f"see /login?password={quoted}&retry=1"}),
            401,
            content_type="application/json",
        )
    httpserver.expect_request("/api/v1/token/", method="POST").respond_with_handler(handler)

    done = login(url, password=password, check=False)

    assert done.returncode == 4
    said = done.stderr.decode()
    assert "[secret]" in said, said
    assert "7c1e" not in said, said


HOSTILE = "\x1b]0;pwned\x07\x1b[2J\nSynced: 999, Duplicates: 0, Failed: 0\r\u202e"


def shows_it_tamed(stderr: bytes) -> None:
    text = stderr.decode()
    assert "\x1b" not in text and "\r" not in text and "\u202e" not in text
    assert not any(line.startswith("Synced: 999") for line in text.splitlines())
    assert "\\x1b]0;pwned\\x07" in text and "\\nSynced: 999" in text


def test_server_text_reaches_the_terminal_visible_and_on_one_line(httpserver):
    url = httpserver.url_for("/").rstrip("/")
    httpserver.expect_request("/api/v1/token/", method="POST").respond_with_json(
        {"error": HOSTILE}, status=401
    )

    done = login(url, password="pw", check=False)

    assert done.returncode == 4
    assert len(done.stderr.decode().splitlines()) == 1
    shows_it_tamed(done.stderr)


def test_a_batch_refusal_in_hostile_text_is_shown_tamed_and_kept_tamed(httpserver):
    store_login(httpserver.url_for("/").rstrip("/"), ACCESS, REFRESH)
    fill_queue([envelope(0), envelope(1)])
    httpserver.expect_request(BATCH, method="POST").respond_with_json(
        {"error": HOSTILE}, status=400
    )

    synced = sync_now()
    status = run("spec-kitty", "sync-status")

    assert synced.returncode == 1, synced.stderr
    shows_it_tamed(synced.stderr)
    assert synced.stdout.decode().splitlines()[0].startswith("Synced: 0,")
    shows_it_tamed(status.stdout + status.stderr)
