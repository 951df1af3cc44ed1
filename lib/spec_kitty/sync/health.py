"""Is sync working? The login as stored, and (on request) a probe of the server's health path.

The probe uses the user's real access token, refreshed when due, and answers in one of a few
states, each with the step that fixes it.
"""

from dataclasses import asdict, dataclass

from spec_kitty.sync.credentials import CredentialsError, CredentialStore, iso

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


def login_health(store: CredentialStore | None = None) -> Health:
    """What the stored login says, without touching the network."""
    store = store or CredentialStore()
    if not store.exists():
        return Health("not_logged_in", f"no login stored in {store.path}")
    try:
        creds = store.load()
    except CredentialsError as exc:
        return Health("credentials_unusable", str(exc))
    known = {
        "server": creds.server_url,
        "username": creds.username,
        "access_expires_at": iso(creds.access_expires_at),
        "refresh_expires_at": iso(creds.refresh_expires_at),
    }
    if creds.refresh_expired():
        return Health("login_expired", "the refresh token has expired", **known)
    return Health("logged_in", f"logged in as {creds.username} to {creds.server_url}", **known)


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
