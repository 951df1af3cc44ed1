"""Running the reference server: in a background thread (tests, demo, benchmarks) or in the
foreground (`spec-kitty serve`)."""

import threading
from collections.abc import Mapping
from pathlib import Path

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from spec_kitty.server.app import IngestApp, ServerSettings
from spec_kitty.server.ingest import DEFAULT_MAX_BODY_BYTES
from spec_kitty.server.store import EventStore
from spec_kitty.server.tokens import DEFAULT_ACCESS_LIFETIME, DEFAULT_REFRESH_LIFETIME, TokenIssuer
from spec_kitty.server.users import User, users_from_mapping

LOOPBACK = "127.0.0.1"


class _QuietHandler(WSGIRequestHandler):
    """Logs errors only: a line per request would drown test and benchmark output."""

    def log(self, type, message, *args):
        if type == "error":
            super().log(type, message, *args)


class ReferenceServer:
    """The reference ingest server over the SQLite file `db_path`.

    `users` maps a name to a User or to {"password", "projects"?, "team_slug"?}. port=0 picks a
    free port; `url` tells which. With `tls_cert` and `tls_key` it serves https.
    """

    def __init__(
        self,
        db_path: str | Path,
        users: Mapping[str, Mapping | User],
        host: str = LOOPBACK,
        port: int = 0,
        access_lifetime: int = DEFAULT_ACCESS_LIFETIME,
        refresh_lifetime: int = DEFAULT_REFRESH_LIFETIME,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        rate_limit: int | None = None,
        tls_cert: str | Path | None = None,
        tls_key: str | Path | None = None,
        quiet: bool = True,
    ):
        if (tls_cert is None) != (tls_key is None):
            from spec_kitty.jsonl import ScriptError

            raise ScriptError("give both --tls-cert and --tls-key, or neither")
        self.store = EventStore(db_path)
        self.issuer = TokenIssuer(self.store.signing_secret(), access_lifetime, refresh_lifetime)
        self.app = IngestApp(
            self.store,
            users_from_mapping(users),
            self.issuer,
            ServerSettings(max_body_bytes=max_body_bytes, rate_limit=rate_limit),
        )
        self._host, self._port = host, port
        self._tls = (str(tls_cert), str(tls_key)) if tls_cert else None
        self._quiet = quiet
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def bind(self) -> BaseWSGIServer:
        """Open the listening socket (OSError when the address is taken)."""
        self._server = make_server(
            self._host,
            self._port,
            self.app,
            threaded=True,
            request_handler=_QuietHandler if self._quiet else None,
            ssl_context=self._tls,
        )
        return self._server

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the server is not started")
        scheme = "https" if self._tls else "http"
        host, port = self._server.server_address[:2]
        return f"{scheme}://{host}:{port}"

    def start(self) -> "ReferenceServer":
        """Listen, and serve from a background thread; returns once connections are accepted."""
        server = self._server or self.bind()
        # A short poll interval makes stop() quick, which tests starting many servers notice.
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.05,), name="reference-server", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted."""
        server = self._server or self.bind()
        try:
            server.serve_forever()
        finally:
            server.server_close()
            self.store.close()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
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
        """A token signed by this server; a negative lifetime makes an already expired one."""
        return self.issuer.issue(username, token_type, lifetime)
