"""Which server to talk to, and whether it is safe to send a password or token there.

Order: an explicit --server, the server of the stored login, SPEC_KITTY_SERVER_URL, then the
`[sync] server_url` of spec-kitty 2.x's config.toml (read only, never written).
"""

import ipaddress
import os
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

from spec_kitty.homes import spec_kitty_home
from spec_kitty.jsonl import ScriptError

SERVER_ENV = "SPEC_KITTY_SERVER_URL"
LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


def resolve_server(explicit: str | None, stored: str | None = None) -> str:
    """The server URL without a trailing slash; ScriptError when none is configured anywhere."""
    for candidate in (explicit, stored, os.environ.get(SERVER_ENV), _configured_server()):
        if candidate:
            return candidate.rstrip("/")
    raise ScriptError(
        "no server configured: pass --server URL, set SPEC_KITTY_SERVER_URL, "
        "or log in with `spec-kitty auth-login --server URL`"
    )


def check_server_url(url: str, allow_insecure_http: bool = False) -> str:
    """`url` if it is https, or http to this machine, or http explicitly allowed."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ScriptError(f"server URL {url!r} is not an http(s) URL like https://host")
    if "@" in parts.netloc or "\\" in parts.netloc:
        # HTTP libraries disagree on where the host is in such a URL: the one checked here might
        # not be the one connected to.
        raise ScriptError(
            f"server URL {url!r} holds '@' or '\\' before its path; give it as https://host[:port]"
        )
    if parts.scheme == "http" and not allow_insecure_http and not is_loopback(parts.hostname):
        raise ScriptError(
            f"refusing to send credentials over plain http to {parts.hostname}: use https://, "
            "or pass --allow-insecure-http if this network is trusted"
        )
    return url


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _configured_server() -> str | None:
    """`[sync] server_url` from spec-kitty 2.x's config.toml, when it has one."""
    path: Path = spec_kitty_home() / "config.toml"
    try:
        with path.open("rb") as handle:
            config = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError):
        return None
    sync = config.get("sync")
    url = sync.get("server_url") if isinstance(sync, dict) else None
    return url if isinstance(url, str) else None
