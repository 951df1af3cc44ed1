"""The dashboard's HTTP surface, as a WSGI application (werkzeug).

    GET  /                                the page (and /static/dashboard.js, /static/dashboard.css)
    GET  /api/board                       every feature's board
    GET  /api/history/<feature>/<wp_id>   a work package's moves from the status log
    GET  /api/sync                        the sync health
    GET  /api/about                       the project, its root and the server's pid
    POST /api/sync-now                    run `spec-kitty sync-now` (needs this run's key)

Every request must name the server as the browser reached it on this machine (Host
127.0.0.1:PORT or localhost:PORT, so a DNS-rebound name is refused) and must not come from a
page of another origin; a request that changes anything also carries the run's key in the
`X-Dashboard-Token` header. No answer ever contains the key or a login token.
"""

import hmac
import json
import os
import sys
import traceback
from importlib import resources
from pathlib import Path

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from spec_kitty import __version__
from spec_kitty.dashboard.board import ProjectBoard, wp_history
from spec_kitty.dashboard.sync_now import run_sync_now
from spec_kitty.dashboard.sync_view import sync_health
from spec_kitty.jsonl import ScriptError

TOKEN_HEADER = "X-Dashboard-Token"
LOOPBACK_NAMES = ("127.0.0.1", "localhost")
STATIC = {
    "index.html": "text/html; charset=utf-8",
    "dashboard.js": "text/javascript; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class Refusal(Exception):
    def __init__(self, status: int, error: str):
        super().__init__(error)
        self.status = status
        self.error = error


class DashboardApp:
    def __init__(self, root: Path, token: str, project: str, port: int | None = None):
        self.root = root
        self.token = token
        self.project = project
        self.board = ProjectBoard(root)
        self.files = {name: _static(name) for name in STATIC}
        self.allowed_hosts: set[str] = set()
        self.allowed_origins: set[str] = set()
        if port is not None:
            self.listen_on(port)
        self._routes = Map(
            [
                Rule("/", endpoint=self.page, methods=["GET"]),
                Rule("/static/<name>", endpoint=self.static, methods=["GET"]),
                Rule("/api/board", endpoint=self.api_board, methods=["GET"]),
                Rule("/api/history/<feature>/<wp>", endpoint=self.api_history, methods=["GET"]),
                Rule("/api/sync", endpoint=self.api_sync, methods=["GET"]),
                Rule("/api/about", endpoint=self.api_about, methods=["GET"]),
                Rule("/api/sync-now", endpoint=self.api_sync_now, methods=["POST"]),
            ]
        )

    def listen_on(self, port: int) -> None:
        """The port the server listens on: the one Host and Origin may name."""
        self.allowed_hosts = {f"{name}:{port}" for name in LOOPBACK_NAMES}
        self.allowed_origins = {f"http://{host}" for host in self.allowed_hosts}

    def __call__(self, environ, start_response):
        request = Request(environ)
        try:
            self._check_sender(request)
            endpoint, args = self._routes.bind_to_environ(environ).match()
            response = endpoint(request, **args)
        except Refusal as refusal:
            response = _json({"error": refusal.error}, refusal.status)
        except HTTPException as exc:
            response = _json({"error": exc.description or exc.name}, exc.code or 500)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            response = _json({"error": "internal error; see the dashboard's terminal"}, 500)
        response.headers.update(SECURITY_HEADERS)
        return response(environ, start_response)

    def _check_sender(self, request: Request) -> None:
        host = (request.headers.get("Host") or "").lower()
        if host not in self.allowed_hosts:
            raise Refusal(
                403,
                f"refused: Host {host or '(none)'!r} is not this dashboard "
                f"(expected one of {', '.join(sorted(self.allowed_hosts))})",
            )
        origin = request.headers.get("Origin")
        if origin is not None and origin.lower() not in self.allowed_origins:
            raise Refusal(403, f"refused: requests from {origin!r} are not allowed")

    def _check_token(self, request: Request) -> None:
        given = request.headers.get(TOKEN_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.token.encode()):
            raise Refusal(
                403,
                f"this needs the dashboard's key ({TOKEN_HEADER} header): open the URL that "
                "`spec-kitty dashboard` printed",
            )

    def page(self, request: Request) -> Response:
        return self.static(request, "index.html")

    def static(self, request: Request, name: str) -> Response:
        if name not in self.files:
            raise Refusal(404, f"no file {name!r}")
        return Response(self.files[name], mimetype=None, content_type=STATIC[name])

    def api_board(self, request: Request) -> Response:
        return _json({"project": self.project, **self.board.data()})

    def api_history(self, request: Request, feature: str, wp: str) -> Response:
        try:
            history = wp_history(self.root, feature, wp)
        except ScriptError as exc:
            raise Refusal(409, str(exc)) from None
        if history is None:
            raise Refusal(404, f"no work package {wp!r} in feature {feature!r}")
        return _json(history)

    def api_sync(self, request: Request) -> Response:
        return _json(sync_health())

    def api_about(self, request: Request) -> Response:
        return _json(
            {
                "project": self.project,
                "root": str(self.root),
                "pid": os.getpid(),
                "version": __version__,
            }
        )

    def api_sync_now(self, request: Request) -> Response:
        self._check_token(request)
        return _json(run_sync_now())


def _json(body: dict, status: int = 200) -> Response:
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str)
    return Response(text, status=status, mimetype="application/json")


def _static(name: str) -> bytes:
    return resources.files("spec_kitty.dashboard").joinpath("static", name).read_bytes()
