"""The reference server's HTTP surface, as a plain WSGI application.

    POST /api/v1/token/           {"username", "password"} -> tokens and their lifetimes
    POST /api/v1/token/refresh/   {"refresh"} -> a new access AND a new refresh token
    GET  /api/v1/sync/health/     200 for a valid access token
    POST /api/v1/events/batch/    {"events": [...]} (gzip or identity) -> one result per event
    GET  /api/v1/events/          stored events of the caller's projects (?after=SEQ&limit=N)

Every answer is JSON, refusals included, whatever the request held; every refusal has an `error`
(and a `code` for authentication problems). contracts/batch-ingest.md is the full description.
"""

import json
import math
import re
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from spec_kitty.jsonl import warn
from spec_kitty.server.ingest import BatchError, ingest, read_batch, read_body, refused_json
from spec_kitty.server.settings import ServerSettings
from spec_kitty.server.store import EventStore
from spec_kitty.server.throttle import Throttle
from spec_kitty.server.tokens import ACCESS, REFRESH, TOKEN_REVOKED, TokenError, TokenIssuer
from spec_kitty.server.users import User, UserDirectory
from spec_kitty.strict_json import (
    JsonLimits,
    JsonRefused,
    lone_surrogate_path,
    may_hold_lone_surrogates,
    parse,
    surrogate_problem,
    utf8_text,
)

NO_PROJECT_ACCESS = "no_project_access"
RATE_LIMITED = "rate_limited"
DEFAULT_EVENTS_PAGE = 1000
# Sequence numbers are SQLite integers: a larger ?after= can match nothing, and SQLite refuses it.
_WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")
LOGIN_ENDED = "this login has ended (password changed or sessions revoked); log in again"


class Refusal(Exception):
    """An answer other than 200: `status` with a JSON body, and optional headers."""

    def __init__(self, status: int, body: dict, headers: dict | None = None):
        super().__init__(body.get("error"))
        self.status = status
        self.body = body
        self.headers = headers or {}

    @classmethod
    def of(cls, error: BatchError) -> "Refusal":
        return cls(error.status, error.body())


def _unauthorized(error: TokenError) -> Refusal:
    return Refusal(
        401, {"error": str(error), "code": error.code}, {"WWW-Authenticate": 'Bearer realm="sync"'}
    )


def json_answer(body: dict) -> str:
    # ASCII escapes keep every answer valid UTF-8 whatever text it quotes back.
    return json.dumps(body, separators=(",", ":"))


class IngestApp:
    def __init__(
        self,
        store: EventStore,
        users: UserDirectory,
        issuer: TokenIssuer,
        settings: ServerSettings | None = None,
        log: Callable[[str], None] = warn,
    ):
        self.store = store
        self.users = users
        self.issuer = issuer
        self.settings = settings or ServerSettings()
        self.log = log
        self.throttle = Throttle(self.settings.login_attempts)
        self._recent: dict[str, deque] = {}
        self._recent_lock = threading.Lock()
        self._routes = Map(
            [
                Rule("/api/v1/token/", endpoint=self.login, methods=["POST"]),
                Rule("/api/v1/token/refresh/", endpoint=self.refresh, methods=["POST"]),
                Rule("/api/v1/sync/health/", endpoint=self.health, methods=["GET"]),
                Rule("/api/v1/events/batch/", endpoint=self.batch, methods=["POST"]),
                Rule("/api/v1/events/", endpoint=self.list_events, methods=["GET"]),
            ],
            strict_slashes=False,
        )

    def __call__(self, environ, start_response):
        try:
            request = Request(environ)
            endpoint, _ = self._routes.bind_to_environ(environ).match()
            status, body, headers = 200, endpoint(request), {}
        except Refusal as refusal:
            status, body, headers = refusal.status, refusal.body, refusal.headers
        except HTTPException as exc:
            status, body, headers = exc.code or 400, {"error": exc.name}, {}
        except Exception:
            traceback.print_exc(file=sys.stderr)
            status, body, headers = 500, {"error": "internal server error"}, {}
        response = Response(
            json_answer(body), status=status, mimetype="application/json", headers=headers
        )
        return response(environ, start_response)

    # -- logins ---------------------------------------------------------------------------

    def login(self, request: Request) -> dict:
        address = _address_key(request)
        self._check_throttle("login", [address])
        body = self._json_object(request, "login-request.schema.json")
        keys = [_user_key(body["username"]), address]
        self._check_throttle("login", keys)
        user = self.users.get(body["username"])
        if user is None or not user.password_matches(body["password"]):
            self.throttle.failed(keys)
            raise Refusal(
                401, {"error": "Invalid username or password", "code": "invalid_credentials"}
            )
        sid, session_end = self.store.start_session(user.name, self.issuer.refresh_lifetime)
        return self._tokens_for(user, sid, session_end)

    def refresh(self, request: Request) -> dict:
        keys = [_address_key(request)]
        self._check_throttle("refresh", keys)
        body = self._json_object(request, "refresh-request.schema.json")
        try:
            claims = self.issuer.verify(body["refresh"], REFRESH)
            keys.append(_user_key(claims["sub"]))
            self._check_throttle("refresh", keys)
            user = self._user(claims)
            session_end = self.store.session_end(claims["sid"], user.name)
            if session_end is None:
                raise TokenError(TOKEN_REVOKED, LOGIN_ENDED)
            if not self.store.use_refresh_token(claims["jti"]):
                raise TokenError(TOKEN_REVOKED, "this refresh token was already used; log in again")
        except TokenError as exc:
            self.throttle.failed(keys)
            raise _unauthorized(exc) from None
        return self._tokens_for(user, claims["sid"], session_end)

    def _tokens_for(self, user: User, sid: str, session_end: int) -> dict:
        tokens = self.issuer.issue_pair(user.name, sid, session_end)
        if user.team_slug:
            tokens["team_slug"] = user.team_slug
        return tokens

    def _check_throttle(self, what: str, keys: list[str]) -> None:
        wait = self.throttle.wait(keys)
        if wait is None:
            return
        self.log(
            f"throttled a {what} ({', '.join(keys)}): {self.settings.login_attempts} failures "
            f"in the last minute; answered 429 ({self.throttle.refused} so far)"
        )
        error = f"too many failed attempts; retry in {wait} s"
        raise Refusal(429, {"error": error, "code": RATE_LIMITED}, {"Retry-After": str(wait)})

    def end_sessions(self, username: str) -> int:
        ended = self.store.end_sessions(username)
        self.log(f"ended {ended} login(s) of {username!r}")
        return ended

    # -- sync ------------------------------------------------------------------------------

    def health(self, request: Request) -> dict:
        user = self._authenticated(request)
        return {
            "status": "ok",
            "username": user.name,
            "team_slug": user.team_slug,
            "server_time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }

    def batch(self, request: Request) -> dict:
        user = self._authenticated(request)
        if not user.projects:
            error = f"user {user.name!r} may not write to any project"
            raise Refusal(403, {"error": error, "code": NO_PROJECT_ACCESS})
        self._count_request(user)
        try:
            body = read_body(request.environ, self.settings.max_body_bytes)
            events = read_batch(body, request.headers.get("Content-Encoding"), self.settings)
        except BatchError as exc:
            raise Refusal.of(exc) from None
        return ingest(events, user, self.store)

    def list_events(self, request: Request) -> dict:
        user = self._authenticated(request)
        after = _int_arg(request, "after", 0)
        limit = min(_int_arg(request, "limit", DEFAULT_EVENTS_PAGE), DEFAULT_EVENTS_PAGE)
        projects = None if "*" in user.projects else user.projects
        events = self.store.stored_events(projects, after=after, limit=limit)
        return {"events": events, "next_after": events[-1]["seq"] if events else after}

    def _authenticated(self, request: Request) -> User:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        try:
            if scheme.lower() != "bearer":
                raise TokenError("token_missing", "send Authorization: Bearer <access token>")
            claims = self.issuer.verify(token.strip(), ACCESS)
            user = self._user(claims)
            if self.store.session_end(claims["sid"], user.name) is None:
                raise TokenError(TOKEN_REVOKED, LOGIN_ENDED)
        except TokenError as exc:
            raise _unauthorized(exc) from None
        return user

    def _user(self, claims: dict) -> User:
        user = self.users.get(claims["sub"])
        if user is None:
            raise TokenError("token_invalid", "the token's user no longer exists")
        return user

    def _count_request(self, user: User) -> None:
        """429 with Retry-After once `user` has sent rate_limit batches in the last minute."""
        limit = self.settings.rate_limit
        if limit is None:
            return
        now = time.monotonic()
        with self._recent_lock:
            recent = self._recent.setdefault(user.name, deque())
            while recent and recent[0] <= now - 60:
                recent.popleft()
            if len(recent) >= limit:
                wait = max(1, math.ceil(recent[0] + 60 - now))
                error = f"more than {limit} batches a minute; retry in {wait} s"
                raise Refusal(
                    429, {"error": error, "code": RATE_LIMITED}, {"Retry-After": str(wait)}
                )
            recent.append(now)

    def _json_object(self, request: Request, schema: str) -> dict:
        """The request's JSON object, with the string fields `schema` requires; 400 otherwise."""
        from spec_kitty.events.contract import load_schema

        required = load_schema(schema)["required"]
        limits = JsonLimits(self.settings.max_json_depth, self.settings.max_number_length)
        try:
            text = utf8_text(read_body(request.environ, self.settings.max_login_bytes))
            body = parse(text or "null", limits)
            if may_hold_lone_surrogates(text) and (where := lone_surrogate_path(body)):
                raise JsonRefused("is not valid JSON", surrogate_problem(where))
        except BatchError as exc:
            raise Refusal.of(exc) from None
        except JsonRefused as exc:
            raise Refusal.of(refused_json(exc, self.settings)) from None
        if not isinstance(body, dict):
            body = {}
        missing = [k for k in required if not isinstance(body.get(k), str)]
        if missing:
            raise Refusal(
                400,
                {
                    "error": f"{', '.join(required)} required",
                    "details": [{"field": k, "error": "missing or not a string"} for k in missing],
                },
            )
        return body


def _address_key(request: Request) -> str:
    return f"address {request.remote_addr or 'unknown'}"


def _user_key(username: str) -> str:
    return f"user {username!r}"


def _int_arg(request: Request, name: str, default: int) -> int:
    value = request.args.get(name)
    if value is None:
        return default
    if not _WHOLE_NUMBER.fullmatch(value):
        shown = value if len(value) <= 24 else value[:21] + "..."
        raise Refusal(
            400, {"error": f"{name} must be a whole number below 10^18, got {shown!r}"}
        ) from None
    return int(value)
