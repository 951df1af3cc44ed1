"""The login shared with spec-kitty 2.x: `~/.spec-kitty/credentials`, TOML, owner-only.

The layout is the one 2.x clients write, so one login serves both tools:
`[tokens] access, refresh, access_expires_at, refresh_expires_at`, `[user] username, team_slug`,
`[server] url`. Files that keep the expiries in an `[expiries] access, refresh` table are read too,
and keep that layout when we rewrite them. Tables and keys we do not know are kept as they were.
Writes go to a temporary file renamed over the old one, under a lock file, so two processes
refreshing at once never leave a torn file.
"""

import os
import stat
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from spec_kitty.atomic import remove_leftovers, replace_file
from spec_kitty.filelock import file_lock
from spec_kitty.homes import ensure_private_dir, spec_kitty_home
from spec_kitty.jsonl import EXIT_AUTH, ScriptError
from spec_kitty.private_files import open_private

CREDENTIALS_FILE = "credentials"
LOCK_SUFFIX = ".lock"


class CredentialsError(ScriptError):
    """The credentials file is missing, unreadable or unsafe; logging in again fixes it."""

    exit_code = EXIT_AUTH


@dataclass
class Credentials:
    access: str
    refresh: str
    access_expires_at: datetime
    refresh_expires_at: datetime
    username: str
    server_url: str
    team_slug: str | None = None

    def access_expires_within(self, seconds: float) -> bool:
        return (self.access_expires_at - datetime.now(UTC)).total_seconds() <= seconds

    def refresh_expired(self) -> bool:
        return self.refresh_expires_at <= datetime.now(UTC)


def credentials_path() -> Path:
    return spec_kitty_home() / CREDENTIALS_FILE


def parse_moment(value: object, where: str) -> datetime:
    """An expiry as written by either tool: ISO-8601 text (Z or offset) or a TOML datetime."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise CredentialsError(f"{where} is not an ISO-8601 time: {value!r}") from None
    if not isinstance(value, datetime):
        raise CredentialsError(f"{where} is missing or not a time")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


class CredentialStore:
    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path else credentials_path()
        self.lock_path = self.path.with_name(self.path.name + LOCK_SUFFIX)

    def exists(self) -> bool:
        return self.path.exists()

    @contextmanager
    def locked(self):
        """Hold the credentials lock (other processes wait) for a read-modify-write."""
        ensure_private_dir(self.path.parent)
        with file_lock(self.lock_path):
            yield

    def load(self) -> Credentials:
        doc = self._read()
        tokens, user, server = (
            _table(doc, name, self.path) for name in ("tokens", "user", "server")
        )
        expiries = doc.get("expiries")
        if isinstance(expiries, dict):
            access_at, refresh_at = expiries.get("access"), expiries.get("refresh")
            where = "[expiries]"
        else:
            access_at, refresh_at = (
                tokens.get("access_expires_at"),
                tokens.get("refresh_expires_at"),
            )
            where = "[tokens]"
        for key in ("access", "refresh"):
            if not isinstance(tokens.get(key), str) or not tokens[key]:
                raise CredentialsError(
                    f"{self.path} has no [tokens] {key}; run `spec-kitty auth-login`"
                )
        if not isinstance(server.get("url"), str):
            raise CredentialsError(f"{self.path} has no [server] url; run `spec-kitty auth-login`")
        return Credentials(
            access=tokens["access"],
            refresh=tokens["refresh"],
            access_expires_at=parse_moment(access_at, f"{self.path} {where} access expiry"),
            refresh_expires_at=parse_moment(refresh_at, f"{self.path} {where} refresh expiry"),
            username=str(user.get("username", "")),
            server_url=server["url"],
            team_slug=user.get("team_slug"),
        )

    def save(self, creds: Credentials) -> None:
        """Write `creds` atomically, keeping whatever else a readable file holds (a broken or
        unsafe one is replaced). Call under `locked()`."""
        import tomli_w

        try:
            doc = self._read()
        except CredentialsError:
            doc = {}
        tokens, user, server = (_writable_table(doc, name) for name in ("tokens", "user", "server"))
        tokens["access"], tokens["refresh"] = creds.access, creds.refresh
        if isinstance(doc.get("expiries"), dict):
            doc["expiries"]["access"] = iso(creds.access_expires_at)
            doc["expiries"]["refresh"] = iso(creds.refresh_expires_at)
        else:
            tokens["access_expires_at"] = iso(creds.access_expires_at)
            tokens["refresh_expires_at"] = iso(creds.refresh_expires_at)
        user["username"] = creds.username
        if creds.team_slug:
            user["team_slug"] = creds.team_slug
        else:
            user.pop("team_slug", None)
        server["url"] = creds.server_url
        self._write(tomli_w.dumps(doc).encode())

    def clear(self) -> bool:
        """Remove the credentials; returns whether there were any."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        return True

    def _read(self) -> dict:
        try:
            fd = open_private(self.path, os.O_RDONLY, EXIT_AUTH)
        except FileNotFoundError:
            raise CredentialsError(
                f"not logged in (no {self.path}); run `spec-kitty auth-login`"
            ) from None
        except ScriptError as exc:
            raise CredentialsError(str(exc)) from None
        with os.fdopen(fd, "rb") as opened:
            data = opened.read()
        folder = self.path.parent
        folder_mode = folder.stat().st_mode
        if folder_mode & 0o002:
            # Anyone could replace the file there, or take it away.
            raise CredentialsError(
                f"{folder} is writable by every user (mode {stat.S_IMODE(folder_mode):03o}); "
                f"refusing to use the login in it. Fix it with: chmod 700 {folder}"
            )
        import tomllib  # only once there is a login to read

        try:
            return tomllib.loads(data.decode("utf-8"))
        except (ValueError, RecursionError) as exc:
            # ValueError: bad TOML, bad UTF-8, or an integer too long to convert.
            reason = "nested too deeply" if isinstance(exc, RecursionError) else exc
            raise CredentialsError(
                f"{self.path} is not valid TOML ({reason}); run `spec-kitty auth-login` to "
                "replace it"
            ) from None

    def _write(self, data: bytes) -> None:
        ensure_private_dir(self.path.parent)
        remove_leftovers(self.path)  # under the credentials lock; a leftover holds old tokens
        replace_file(self.path, data, mode=0o600)


def _table(doc: dict, name: str, path: Path) -> dict:
    table = doc.get(name, {})
    if not isinstance(table, dict):
        raise CredentialsError(f"{path}: [{name}] is not a table; run `spec-kitty auth-login`")
    return table


def _writable_table(doc: dict, name: str) -> dict:
    """The table `name` of `doc`, replaced by an empty one if the file had something else there."""
    if not isinstance(doc.get(name), dict):
        doc[name] = {}
    return doc[name]
