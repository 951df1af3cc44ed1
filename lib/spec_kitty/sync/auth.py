"""Logging in and keeping the access token fresh, in the protocol of spec-kitty 2.x servers.

Login: POST <server>/api/v1/token/ {username, password} -> {access, refresh, lifetimes}.
Refresh: POST <server>/api/v1/token/refresh/ {refresh} -> a new access AND a new refresh token
(rotation), so both are stored at once. Lifetimes come from the answer when the server sends them,
else from the JWT's own `exp`, else the 2.x defaults (15 minutes, 7 days).
"""

from datetime import UTC, datetime, timedelta

from spec_kitty.jsonl import EXIT_AUTH, ScriptError
from spec_kitty.sync.credentials import Credentials, CredentialStore
from spec_kitty.sync.transport import RetryPolicy, ServerUnreachable, post_with_retries

DEFAULT_ACCESS_LIFETIME = 900
DEFAULT_REFRESH_LIFETIME = 7 * 24 * 3600
# Refresh this long before the access token expires, so it cannot lapse in the middle of a request.
REFRESH_MARGIN = 30.0
RELOGIN = "re-authenticate with `spec-kitty auth-login`"
NOT_LOGGED_IN = (
    "not logged in: check the server URL and the connection, then run `spec-kitty auth-login` again"
)


class AuthenticationNeeded(ScriptError):
    exit_code = EXIT_AUTH


def token_url(server: str) -> str:
    return f"{server}/api/v1/token/"


def refresh_url(server: str) -> str:
    return f"{server}/api/v1/token/refresh/"


def login(session, server: str, username: str, password: str, timeout: float) -> Credentials:
    try:
        response = post_with_retries(
            session,
            token_url(server),
            timeout,
            RetryPolicy(retries=2),
            lambda _line: None,
            json={"username": username, "password": password},
        )
    except ServerUnreachable as exc:
        raise exc.advised(NOT_LOGGED_IN) from None
    if response.status_code in (400, 401, 403):
        said = _server_says(response, password)
        raise AuthenticationNeeded(
            f"the server refused the login for {username!r} "
            f"(HTTP {response.status_code}: {said}); check the user name and password"
        )
    answer = _token_answer(response, "login")
    return _credentials(answer, server, username, previous=None)


def refresh(session, creds: Credentials, timeout: float) -> Credentials:
    """New tokens for `creds`; AuthenticationNeeded when the server will not refresh them."""
    if creds.refresh_expired():
        raise AuthenticationNeeded(f"the login of {creds.username!r} has expired; {RELOGIN}")
    response = post_with_retries(
        session,
        refresh_url(creds.server_url),
        timeout,
        RetryPolicy(retries=2),
        lambda _line: None,
        json={"refresh": creds.refresh},
    )
    if response.status_code in (400, 401, 403):
        said = _server_says(response, creds.refresh, creds.access)
        raise AuthenticationNeeded(
            f"the server refused to refresh the login of {creds.username!r} "
            f"(HTTP {response.status_code}: {said}); {RELOGIN}"
        )
    answer = _token_answer(response, "token refresh")
    return _credentials(answer, creds.server_url, creds.username, previous=creds)


class TokenKeeper:
    """Hands out a valid access token for one server, refreshing it when due or after a 401.

    Refreshes happen under the credentials lock and re-read the file first: when another process
    (or a 2.x client) rotated the tokens meanwhile, its fresh tokens are used instead of spending
    the already-rotated refresh token.
    """

    def __init__(self, store: CredentialStore, session, server: str, timeout: float):
        self.store, self.session, self.server, self.timeout = store, session, server, timeout
        self.creds = store.load()
        if self.creds.server_url.rstrip("/") != server:
            raise AuthenticationNeeded(
                f"the stored login is for {self.creds.server_url}, not {server}; "
                f"log in there with `spec-kitty auth-login --server {server}`"
            )

    def access(self) -> str:
        if self.creds.access_expires_within(REFRESH_MARGIN):
            self._renew(self.creds.access)
        return self.creds.access

    def after_unauthorized(self, rejected: str) -> str:
        """A fresh token after the server answered 401 to `rejected`."""
        self._renew(rejected)
        return self.creds.access

    def _renew(self, stale: str) -> None:
        with self.store.locked():
            current = self.store.load()
            if _fresher(current, stale):
                self.creds = current
                return
            try:
                self.creds = refresh(self.session, current, self.timeout)
            except AuthenticationNeeded:
                # A spec-kitty 2.x client (which does not take our lock) may have rotated the
                # refresh token a moment ago; its new tokens are then as good as ours would be.
                latest = self.store.load()
                if latest.refresh == current.refresh or not _fresher(latest, stale):
                    raise
                self.creds = latest
                return
            self.store.save(self.creds)


def _fresher(creds: Credentials, stale: str) -> bool:
    return creds.access != stale and not creds.access_expires_within(REFRESH_MARGIN)


def jwt_expiry(token: str) -> datetime | None:
    """The `exp` claim of a JWT, read without verifying it (only to plan the next refresh)."""
    import jwt

    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    exp = claims.get("exp")
    return datetime.fromtimestamp(exp, UTC) if isinstance(exp, int | float) else None


def _expiry(answer: dict, token: str, lifetime_keys: tuple[str, str], default: int) -> datetime:
    now = datetime.now(UTC)
    for key in lifetime_keys:
        seconds = answer.get(key)
        if isinstance(seconds, int | float) and not isinstance(seconds, bool) and seconds > 0:
            return now + timedelta(seconds=seconds)
    return jwt_expiry(token) or now + timedelta(seconds=default)


def _credentials(
    answer: dict, server: str, username: str, previous: Credentials | None
) -> Credentials:
    access = answer["access"]
    new_refresh = answer.get("refresh")
    if isinstance(new_refresh, str) and new_refresh:
        refresh_token = new_refresh
        refresh_at = _expiry(
            answer,
            new_refresh,
            ("refresh_lifetime", "refresh_expires_in"),
            DEFAULT_REFRESH_LIFETIME,
        )
    else:
        # A server that does not rotate keeps the refresh token (and its expiry) we had.
        refresh_token, refresh_at = previous.refresh, previous.refresh_expires_at
    team = answer.get("team_slug") or (previous.team_slug if previous else None)
    return Credentials(
        access=access,
        refresh=refresh_token,
        access_expires_at=_expiry(
            answer, access, ("access_lifetime", "expires_in"), DEFAULT_ACCESS_LIFETIME
        ),
        refresh_expires_at=refresh_at,
        username=username,
        server_url=server,
        team_slug=team if isinstance(team, str) else None,
    )


def _token_answer(response, what: str) -> dict:
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if (
        response.status_code != 200
        or not isinstance(answer, dict)
        or not isinstance(answer.get("access"), str)
    ):
        raise ScriptError(
            f"unexpected answer to the {what} (HTTP {response.status_code}): expected JSON with "
            "an access token; is the server URL right?"
        )
    if what == "login" and not isinstance(answer.get("refresh"), str):
        raise ScriptError("unexpected answer to the login: no refresh token")
    return answer


def _server_says(response, *secrets: str) -> str:
    """The server's own explanation, briefly, with any of `secrets` it quotes blanked out."""
    try:
        body = response.json()
    except ValueError:
        body = None
    fields = body if isinstance(body, dict) else {}
    said = next(
        (fields[k] for k in ("detail", "error", "message") if isinstance(fields.get(k), str)), None
    )
    said = said or response.reason or "no reason given"
    for secret in filter(None, secrets):
        said = said.replace(secret, "[secret]")
    return said[:200]
