"""Who may use the reference server, and which projects each user may write to.

Users come from a small JSON or TOML file (read again when it changes) or from
`--user name:password` flags. A user's
`projects` is a list of project UUIDs, or ["*"] for every project.

    [users.demo]              # TOML
    password = "demo-password"
    projects = ["*"]
    team_slug = "demo-team"   # optional, returned at login

    {"users": {"demo": {"password": "demo-password", "projects": ["*"]}}}   # JSON
"""

import hmac
import json
import threading
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from spec_kitty.jsonl import ScriptError, warn

ALL_PROJECTS = "*"


@dataclass(frozen=True)
class User:
    name: str
    password: str = field(repr=False)
    projects: tuple[str, ...] = (ALL_PROJECTS,)
    team_slug: str | None = None

    def password_matches(self, given: object) -> bool:
        if not isinstance(given, str):
            return False
        return hmac.compare_digest(given.encode(), self.password.encode())

    def may_write(self, project_uuid: object) -> bool:
        return ALL_PROJECTS in self.projects or project_uuid in self.projects


def users_from_mapping(users: Mapping[str, Mapping | User]) -> dict[str, User]:
    """Users keyed by name from {"name": {"password", "projects"?, "team_slug"?}} or User values."""
    result = {}
    for name, spec in users.items():
        if isinstance(spec, User):
            result[name] = spec
            continue
        if not isinstance(spec, Mapping) or not isinstance(spec.get("password"), str):
            raise ScriptError(f"user {name!r}: expected a table with a string `password`")
        projects = spec.get("projects", [ALL_PROJECTS])
        if not isinstance(projects, list | tuple) or not all(isinstance(p, str) for p in projects):
            raise ScriptError(
                f'user {name!r}: `projects` must be a list of project UUIDs or ["*"], '
                f"not {projects!r}"
            )
        result[name] = User(name, spec["password"], tuple(projects), spec.get("team_slug"))
    return result


def load_users_file(path: str | Path) -> dict[str, User]:
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ScriptError(f"cannot read users file {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (ValueError, RecursionError) as exc:
        kind = "TOML" if path.suffix == ".toml" else "JSON"
        reason = "nested too deeply" if isinstance(exc, RecursionError) else exc
        raise ScriptError(f"users file {path} is not valid {kind}: {reason}") from None
    if not isinstance(data, dict) or not isinstance(data.get("users"), dict):
        raise ScriptError(f"users file {path}: expected a top-level `users` table")
    if path.stat().st_mode & 0o077:
        warn(f"users file {path} holds passwords and is readable by others: chmod 600 {path}")
    return users_from_mapping(data["users"])


def users_from_flags(user_flags: Iterable[str], grant_flags: Iterable[str]) -> dict[str, User]:
    """Users from `name:password` flags; `name:uuid` grants limit a user to those projects.

    A user without any grant may write to every project (the reference server is a local stand-in).
    """
    grants: dict[str, list[str]] = {}
    for grant in grant_flags:
        name, sep, project = grant.partition(":")
        if not sep or not name or not project:
            raise ScriptError(f"--project {grant!r}: expected NAME:PROJECT_UUID (or NAME:*)")
        grants.setdefault(name, []).append(project)
    users = {}
    for flag in user_flags:
        name, sep, password = flag.partition(":")
        if not sep or not name or not password:
            raise ScriptError("--user: expected NAME:PASSWORD")
        users[name] = User(name, password, tuple(grants.pop(name, [ALL_PROJECTS])))
    if grants:
        raise ScriptError(f"--project names unknown user(s): {', '.join(sorted(grants))}")
    return users


class UserDirectory:
    """The users a running server knows: those given to it directly, and a users file read again
    whenever it changes, so a password changed there takes effect without a restart. `on_load`
    hears every set of users loaded, the first included."""

    def __init__(
        self,
        users: Mapping[str, Mapping | User],
        users_file: str | Path | None = None,
        on_load: Callable[[dict[str, User]], None] = lambda users: None,
    ):
        self._given = users_from_mapping(users)
        self._file = Path(users_file) if users_file else None
        self._on_load = on_load
        self._lock = threading.Lock()
        self._seen: tuple | None = None
        self._users = self._load(self._signature())

    def get(self, name: object) -> User | None:
        if not isinstance(name, str):
            return None
        return self.current().get(name)

    def current(self) -> dict[str, User]:
        signature = self._signature()
        if signature != self._seen:
            with self._lock:
                if signature != self._seen:
                    try:
                        self._users = self._load(signature)
                    except ScriptError as exc:
                        self._seen = signature  # said once; the users as they were stay
                        warn(f"users file not reloaded, the users stay as they were: {exc}")
        return self._users

    def _signature(self) -> tuple | None:
        if self._file is None:
            return None
        try:
            status = self._file.stat()
        except OSError:
            return ("missing",)
        return (status.st_ino, status.st_mtime_ns, status.st_size)

    def _load(self, signature: tuple | None) -> dict[str, User]:
        users = load_users_file(self._file) if self._file else {}
        users.update(self._given)
        self._seen = signature
        self._on_load(users)
        return users
