"""Is sync working? The login as stored, and (on request) a probe of the server's health path.

The probe uses the user's real access token, refreshed when due, and answers in one of a few
states, each with the step that fixes it.
"""

from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from spec_kitty.sync.credentials import Credentials, CredentialsError, CredentialStore, iso

HEALTH_PATH = "/api/v1/sync/health/"

NEXT_STEP = {
    "not_logged_in": "log in: `spec-kitty auth-login --server URL`",
    "login_expired": "log in again: `spec-kitty auth-login`",
    "credentials_unusable": "fix or remove the credentials file, then `spec-kitty auth-login`",
    "unreachable": "events stay queued; run `spec-kitty sync-now` when the server is reachable",
    "token_rejected": "log in again: `spec-kitty auth-login`",
    "server_error": "the server is failing; events stay queued, retry later",
    "connected": None,
    "logged_in": "probe the server with `spec-kitty sync-status --check`",
}


# What a Health tells of the stored login.
HEALTH_SHOWS = ("server", "username", "access_expires_at", "refresh_expires_at")


@dataclass
class Health:
    state: str
    detail: str
    server: str | None = None
    username: str | None = None
    access_expires_at: str | None = None
    refresh_expires_at: str | None = None
    checked: bool = False

    def to_dict(self) -> dict:
        return {**asdict(self), "next_step": NEXT_STEP[self.state]}


@dataclass
class Login:
    """The stored login at one moment: who, on which server, and when each token expires (the
    tokens themselves are never shown)."""

    creds: Credentials
    now: datetime

    @property
    def expired(self) -> bool:
        """The refresh token has expired: only logging in again helps."""
        return self.creds.refresh_expires_at <= self.now

    def to_dict(self) -> dict:
        creds = self.creds
        return {
            "username": creds.username,
            "team_slug": creds.team_slug,
            "server": creds.server_url,
            "access_expires_at": iso(creds.access_expires_at),
            "access_valid": creds.access_expires_at > self.now,
            "refresh_expires_at": iso(creds.refresh_expires_at),
            "refresh_valid": not self.expired,
        }

    def lines(self) -> list[str]:
        creds = self.creds
        team = f" (team {creds.team_slug})" if creds.team_slug else ""
        lines = [
            f"Logged in as {creds.username}{team} to {creds.server_url}",
            f"  access token:  {_expiry_text(creds.access_expires_at, self.now)}",
            f"  refresh token: {_expiry_text(creds.refresh_expires_at, self.now)}",
        ]
        if self.expired:
            lines.append("  the login has expired: run `spec-kitty auth-login`")
        return lines


def stored_login(store: CredentialStore | None = None) -> Login:
    """The stored login as of now; CredentialsError (exit 4) when there is none or it cannot
    be used."""
    return Login((store or CredentialStore()).load(), datetime.now(UTC))


def _expiry_text(moment: datetime, now: datetime) -> str:
    seconds = int((moment - now).total_seconds())
    when = moment.strftime("%Y-%m-%d %H:%M:%S UTC")
    if seconds <= 0:
        return f"expired at {when}"
    if seconds < 3600:
        return f"expires at {when} (in {seconds // 60} min)"
    if seconds < 2 * 86400:
        return f"expires at {when} (in {seconds // 3600} h)"
    return f"expires at {when} (in {seconds // 86400} days)"


def login_health(store: CredentialStore | None = None) -> Health:
    """What the stored login says, without touching the network."""
    store = store or CredentialStore()
    if not store.exists():
        return Health("not_logged_in", f"no login stored in {store.path}")
    try:
        login = stored_login(store)
    except CredentialsError as exc:
        return Health("credentials_unusable", str(exc))
    shown = login.to_dict()
    known = {key: shown[key] for key in HEALTH_SHOWS}
    if login.expired:
        return Health("login_expired", "the refresh token has expired", **known)
    detail = f"logged in as {shown['username']} to {shown['server']}"
    return Health("logged_in", detail, **known)


def probe_health(timeout: float = 10.0, store: CredentialStore | None = None) -> Health:
    """GET the health path with the user's access token (refreshed if due, and after a 401)."""
    from spec_kitty.sync.auth import AuthenticationNeeded, TokenKeeper
    from spec_kitty.sync.transport import ServerUnreachable, get, open_session

    store = store or CredentialStore()
    health = login_health(store)
    if health.state != "logged_in":
        return health
    health.checked = True
    url = health.server.rstrip("/") + HEALTH_PATH
    session = open_session()
    try:
        keeper = TokenKeeper(store, session, health.server.rstrip("/"), timeout)
        token = keeper.access()
        response = get(session, url, timeout, headers=_bearer(token))
        if response.status_code == 401:
            response = get(session, url, timeout, headers=_bearer(keeper.after_unauthorized(token)))
    except AuthenticationNeeded as exc:
        return _update(health, "login_expired", f"token expired and refresh failed: {exc}")
    except ServerUnreachable as exc:
        return _update(health, "unreachable", str(exc))
    refreshed = keeper.creds
    health.access_expires_at = iso(refreshed.access_expires_at)
    health.refresh_expires_at = iso(refreshed.refresh_expires_at)
    if response.status_code == 200:
        return _update(health, "connected", f"{url} answered 200 and accepted the token")
    if response.status_code in (401, 403):
        return _update(
            health, "token_rejected", f"{url} refused the token (HTTP {response.status_code})"
        )
    return _update(health, "server_error", f"{url} answered HTTP {response.status_code}")


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _update(health: Health, state: str, detail: str) -> Health:
    health.state, health.detail = state, detail
    return health
