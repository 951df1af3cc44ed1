"""Running the reference server: in a background thread (tests, demo, benchmarks) or in the
foreground (`spec-kitty serve`).

Plain http is served by waitress, a production WSGI server in pure Python: it reads each request
whole before a worker thread sees it (a slow or half-sent request holds no thread), keeps a body
past 512 KiB in a temporary file rather than in memory and never reads more than the body limit,
closes connections silent for `idle_timeout` seconds, and accepts at most `connection_limit` at
once. Its own refusals (broken HTTP, a body far over the limit) are answered in the contract's
JSON like every other.

waitress does not speak TLS. With a certificate the server runs on werkzeug's threaded server
instead, given the same idle timeout (the TLS handshake included) and connection limit, but with
a thread per connection: enough to try spec-kitty 2.x clients on this machine. A server for other
people belongs behind a TLS-terminating proxy, in front of the plain-http server.
"""

import logging
import ssl
import sys
import threading
from collections.abc import Mapping
from pathlib import Path

from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import ErrorTask
from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from spec_kitty.jsonl import ScriptError, warn
from spec_kitty.server.app import IngestApp, json_answer
from spec_kitty.server.ingest import too_large
from spec_kitty.server.settings import ServerSettings
from spec_kitty.server.store import EventStore
from spec_kitty.server.tokens import DEFAULT_ACCESS_LIFETIME, DEFAULT_REFRESH_LIFETIME, TokenIssuer
from spec_kitty.server.users import User, UserDirectory

LOOPBACK = "127.0.0.1"
# waitress refuses a body this far past the limit before reading it; a body between the limit and
# this is read (into a temporary file) so the application can answer it with a clean 413.
_BODY_SLACK = 1024 * 1024
_MAX_HEADER_BYTES = 64 * 1024


class ReferenceServer:
    """The reference ingest server over the SQLite file `db_path`.

    `users` maps a name to a User or to {"password", "projects"?, "team_slug"?}; `users_file`
    adds the users of that file, read again whenever it changes. port=0 picks a free port; `url`
    tells which. With `tls_cert` and `tls_key` it serves https. Any other keyword is a
    ServerSettings field (max_body_bytes, max_events, rate_limit, idle_timeout, ...).
    """

    def __init__(
        self,
        db_path: str | Path,
        users: Mapping[str, Mapping | User],
        host: str = LOOPBACK,
        port: int = 0,
        access_lifetime: int = DEFAULT_ACCESS_LIFETIME,
        refresh_lifetime: int = DEFAULT_REFRESH_LIFETIME,
        tls_cert: str | Path | None = None,
        tls_key: str | Path | None = None,
        quiet: bool = True,
        users_file: str | Path | None = None,
        **settings,
    ):
        if (tls_cert is None) != (tls_key is None):
            raise ScriptError("give both --tls-cert and --tls-key, or neither")
        self.settings = ServerSettings(**settings)
        self.store = EventStore(db_path)
        self.issuer = TokenIssuer(self.store.signing_secret(), access_lifetime, refresh_lifetime)
        self.users = UserDirectory(users, users_file, on_load=self._note_passwords)
        self.app = IngestApp(self.store, self.users, self.issuer, self.settings)
        self._host, self._port = host, port
        self._tls = (str(tls_cert), str(tls_key)) if tls_cert else None
        self._quiet = quiet
        self._server: _Waitress | _TLSServer | None = None
        self._thread: threading.Thread | None = None

    def _note_passwords(self, users: dict[str, User]) -> None:
        """A password changed since the server last saw it ends that user's logins."""
        marks = {
            name: self.issuer.password_mark(name, user.password) for name, user in users.items()
        }
        for name in self.store.note_password_marks(marks):
            warn(f"the password of {name!r} changed: their earlier logins were ended")

    def bind(self):
        """Open the listening socket (OSError when the address is taken)."""
        app = self.app if self._quiet else _logged(self.app)
        if self._tls:
            self._server = _tls_server(self._host, self._port, app, self._tls, self.settings)
        else:
            self._server = _waitress_server(self._host, self._port, app, self.settings)
            logging.getLogger("waitress.queue").setLevel(
                logging.ERROR if self._quiet else logging.WARNING
            )
        return self._server

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the server is not started")
        scheme = "https" if self._tls else "http"
        host, port = self._server.address()
        return f"{scheme}://{host}:{port}"

    def start(self) -> "ReferenceServer":
        """Listen, and serve from a background thread; returns once connections are accepted."""
        server = self._server or self.bind()
        server.started = True
        self._thread = threading.Thread(target=server.run, name="reference-server", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted."""
        server = self._server or self.bind()
        server.started = True
        try:
            server.run()
        finally:
            server.stop()
            self.store.close()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
        if self._thread is not None:
            self._thread.join()
        self.store.close()

    def __enter__(self) -> "ReferenceServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def stored_events(self, project_uuid: str | None = None) -> list[dict]:
        """Every stored event (the envelopes as received), in arrival order."""
        projects = None if project_uuid is None else [project_uuid]
        return [row["event"] for row in self.store.stored_events(projects)]

    def issue_token(self, username: str, token_type: str = "access", lifetime: int = 60) -> str:
        """A token of a new login, signed by this server; a negative lifetime makes an already
        expired one."""
        sid, _ = self.store.start_session(username, self.issuer.refresh_lifetime)
        return self.issuer.issue(username, token_type, lifetime, sid)

    def end_sessions(self, username: str) -> int:
        """End every login of `username` now; returns how many there were."""
        return self.app.end_sessions(username)


# -- plain http: waitress ---------------------------------------------------------------------


class _JsonErrorTask(ErrorTask):
    """waitress's own refusals in the contract's shape: a JSON body with an `error`."""

    def execute(self):
        error = self.request.error
        if error.code == 413:
            body = self.channel.server.too_large_body
        else:
            body = {"error": f"{error.reason}: {error.body}"}
        data = json_answer(body).encode()
        self.status = f"{error.code} {error.reason}"
        self.response_headers.append(("Content-Type", "application/json"))
        self.set_close_on_finish()
        self.content_length = len(data)
        self.write(data)


class _JsonErrorChannel(HTTPChannel):
    error_task_class = _JsonErrorTask


class _Waitress(TcpWSGIServer):
    channel_class = _JsonErrorChannel
    too_large_body: dict = {}
    # Set before run() is called, so stop() knows whether an event loop is there to stop.
    started = False

    def address(self) -> tuple[str, int]:
        return self.effective_host, self.effective_port

    def run(self) -> None:
        try:
            super().run()
        finally:
            self.started = False
            self._close_all()

    def stop(self) -> None:
        """Stop serving: first the worker threads finish what they are doing, then the event
        loop closes every connection itself (a thunk its trigger runs, so nothing is closed
        under a thread still using it) and ends."""
        self.task_dispatcher.shutdown(timeout=5)
        if self.started:
            self.trigger.pull_trigger(self._close_all)
        else:
            self._close_all()

    def _close_all(self) -> None:
        for dispatcher in list(self._map.values()):
            dispatcher.close()
        self._map.clear()


def _waitress_server(host: str, port: int, app, settings: ServerSettings) -> _Waitress:
    server = _Waitress(
        app,
        host=host,
        port=port,
        threads=settings.threads,
        connection_limit=settings.connection_limit,
        channel_timeout=settings.idle_timeout,
        # How often idle connections are looked for: often enough to honour short timeouts.
        cleanup_interval=max(1, settings.idle_timeout // 2),
        max_request_body_size=settings.max_body_bytes + _BODY_SLACK,
        max_request_header_size=_MAX_HEADER_BYTES,
        asyncore_use_poll=True,
        ident="spec-kitty reference server",
    )
    server.too_large_body = too_large(settings.max_body_bytes).body()
    return server


# -- https: werkzeug's threaded server ---------------------------------------------------------


class _TLSServer(ThreadedWSGIServer):
    """Each connection on its own thread, at most `connection_limit` at once; the TLS handshake
    happens on that thread, within the idle timeout, not on the one accepting connections."""

    started = False

    def __init__(self, host, port, app, tls: tuple[str, str], settings: ServerSettings):
        timeout = settings.idle_timeout

        class Handler(WSGIRequestHandler):
            def setup(self):
                self.request.settimeout(timeout)
                self.request.do_handshake()
                super().setup()

            def log_request(self, *args, **kwargs):
                pass  # the application logs requests when asked to

        super().__init__(host, port, app, handler=Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        self.socket = context.wrap_socket(
            self.socket, server_side=True, do_handshake_on_connect=False
        )
        self.ssl_context = context
        self._slots = threading.BoundedSemaphore(settings.connection_limit)

    def address(self) -> tuple[str, int]:
        return self.server_address[:2]

    def run(self) -> None:
        # A short poll interval makes stop() quick, which tests starting many servers notice.
        self.serve_forever(poll_interval=0.05)

    def stop(self) -> None:
        if self.started:
            self.shutdown()
        self.server_close()

    def process_request(self, request, client_address):
        if not self._slots.acquire(blocking=False):
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request, client_address):
        # A client that fails the handshake or goes quiet is its own problem: one line, no trace.
        error = sys.exc_info()[1]
        if isinstance(error, OSError):
            return
        super().handle_error(request, client_address)


def _tls_server(host, port, app, tls, settings) -> _TLSServer:
    try:
        return _TLSServer(host, port, app, tls, settings)
    except ssl.SSLError as exc:
        raise ScriptError(f"cannot use the TLS certificate and key {tls}: {exc}") from None


def _logged(app):
    """`app`, printing one line per request on stderr."""

    def logged(environ, start_response):
        def start(status, headers, exc_info=None):
            warn(
                f"{environ.get('REMOTE_ADDR', '-')} {environ['REQUEST_METHOD']} "
                f"{environ.get('PATH_INFO', '')} {status.split()[0]}"
            )
            return start_response(status, headers, exc_info)

        return app(environ, start)

    return logged
