"""The reference server's HTTP surface, as a WSGI application (werkzeug).

    POST /api/v1/token/           {"username", "password"} -> tokens and their lifetimes
    POST /api/v1/token/refresh/   {"refresh"} -> a new access AND a new refresh token
    GET  /api/v1/sync/health/     200 for a valid access token
    POST /api/v1/events/batch/    {"events": [...]} (gzip or identity) -> one result per event
    GET  /api/v1/events/          stored events of the caller's projects (?after=SEQ&limit=N)

Every answer is JSON; every refusal has an `error` (and a `code` for authentication problems).
contracts/batch-ingest.md is the full description.
"""

import json
import math
import sys
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass

from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from spec_kitty.server.ingest import (
    DEFAULT_MAX_BODY_BYTES,
    BatchError,
    ingest,
    read_batch,
    too_large,
)
from spec_kitty.server.store import EventStore
from spec_kitty.server.tokens import ACCESS, REFRESH, TOKEN_REVOKED, TokenError, TokenIssuer
from spec_kitty.server.users import User

NO_PROJECT_ACCESS = "no_project_access"
RATE_LIMITED = "rate_limited"
DEFAULT_EVENTS_PAGE = 1000


@dataclass
class ServerSettings:
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    # Batch requests per user per minute; None means no limit.
    rate_limit: int | None = None


class Refusal(Exception):
    """An answer other than 200: `status` with a JSON body, and optional headers."""

    def __init__(self, status: int, body: dict, headers: dict | None = None):
        super().__init__(body.get("error"))
        self.status = status
        self.body = body
        self.headers = headers or {}


def _unauthorized(error: TokenError) -> Refusal:
    return Refusal(
        401, {"error": str(error), "code": error.code}, {"WWW-Authenticate": 'Bearer realm="sync"'}
    )


class IngestApp:
    def __init__(
        self,
        store: EventStore,
        users: dict[str, User],
        issuer: TokenIssuer,
        settings: ServerSettings | None = None,
    ):
        self.store = store
        self.users = users
        self.issuer = issuer
        self.settings = settings or ServerSettings()
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
        request = Request(environ)
        request.max_content_length = self.settings.max_body_bytes
        try:
            endpoint, _ = self._routes.bind_to_environ(environ).match()
            status, body, headers = 200, endpoint(request), {}
        except Refusal as refusal:
            status, body, headers = refusal.status, refusal.body, refusal.headers
        except RequestEntityTooLarge:
            status, body, headers = 413, too_large(self.settings.max_body_bytes).body(), {}
        except HTTPException as exc:
            status, body, headers = exc.code or 500, {"error": exc.name}, {}
        except Exception:
            traceback.print_exc(file=sys.stderr)
            status, body, headers = 500, {"error": "internal server error"}, {}
        response = Response(
            json.dumps(body, separators=(",", ":"), ensure_ascii=False),
            status=status,
            mimetype="application/json",
            headers=headers,
        )
        return response(environ, start_response)

    def login(self, request: Request) -> dict:
        body = _json_object(request, "login-request.schema.json")
        user = self.users.get(body["username"])
        if user is None or not user.password_matches(body["password"]):
            raise Refusal(
                401, {"error": "Invalid username or password", "code": "invalid_credentials"}
            )
        return self._tokens_for(user)

    def refresh(self, request: Request) -> dict:
        body = _json_object(request, "refresh-request.schema.json")
        try:
            claims = self.issuer.verify(body["refresh"], REFRESH)
        except TokenError as exc:
            raise _unauthorized(exc) from None
        user = self._user(claims)
        if not self.store.use_refresh_token(claims["jti"]):
            raise _unauthorized(
                TokenError(TOKEN_REVOKED, "this refresh token was already used; log in again")
            )
        return self._tokens_for(user)

    def _tokens_for(self, user: User) -> dict:
        tokens = self.issuer.issue_pair(user.name)
        if user.team_slug:
            tokens["team_slug"] = user.team_slug
        return tokens

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
        body = request.get_data(cache=False)
        try:
            events = read_batch(
                body, request.headers.get("Content-Encoding"), self.settings.max_body_bytes
            )
        except BatchError as exc:
            raise Refusal(exc.status, exc.body()) from None
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
        except TokenError as exc:
            raise _unauthorized(exc) from None
        return self._user(claims)

    def _user(self, claims: dict) -> User:
        user = self.users.get(claims["sub"])
        if user is None:
            raise _unauthorized(TokenError("token_invalid", "the token's user no longer exists"))
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


def _json_object(request: Request, schema: str) -> dict:
    """The request's JSON object, with the string fields `schema` requires; 400 otherwise."""
    from spec_kitty.events.contract import load_schema

    required = load_schema(schema)["required"]
    try:
        body = json.loads(request.get_data(cache=False) or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        details = [{"error": str(exc)}]
        raise Refusal(
            400, {"error": "Request body is not valid JSON", "details": details}
        ) from None
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


def _int_arg(request: Request, name: str, default: int) -> int:
    value = request.args.get(name, default)
    try:
        return max(0, int(value))
    except ValueError:
        raise Refusal(400, {"error": f"{name} must be a whole number, got {value!r}"}) from None
