"""The project a command runs in: its root and its identity from `.kittify/config.yaml`.

The identity (project.uuid, project.slug) is the layout spec-kitty 2.x writes too, so both tools
tag a project's events alike. Projects from spec-kitty 1.x have a config.yaml without it; it is
added to their text (`with_identity`), never by rewriting the YAML, so every comment, key and
order the user wrote stays as it was.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from spec_kitty import yaml_cache
from spec_kitty.jsonl import ScriptError

CONFIG = Path(".kittify") / "config.yaml"


class NotAProject(ScriptError):
    """No project here, or its config cannot give the project identity (exit 2)."""


@dataclass(frozen=True)
class ProjectIdentity:
    uuid: str
    slug: str


def find_root(start: Path | None = None) -> Path:
    """The nearest directory at or above `start` holding `.kittify/config.yaml`."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / CONFIG).is_file():
            return candidate
    raise NotAProject(
        f"{here} is not inside a spec-kitty project (no {CONFIG}); run `spec-kitty init`"
    )


def read_config(root: Path) -> dict:
    path = root / CONFIG
    return yaml_cache.load(path, path.read_text(), lambda text: _parse(text, path))


def load_identity(root: Path) -> ProjectIdentity:
    identity = identity_of(read_config(root))
    if identity is None:
        raise NotAProject(
            f"{root / CONFIG} has no project.uuid and project.slug; run `spec-kitty migrate` "
            "(or `spec-kitty init`) to give the project its sync identity"
        )
    return identity


def identity_of(config: dict) -> ProjectIdentity | None:
    """The identity in a parsed config, or None when uuid or slug is missing."""
    project = config.get("project")
    if not isinstance(project, dict) or not project.get("uuid") or not project.get("slug"):
        return None
    return ProjectIdentity(str(project["uuid"]), str(project["slug"]))


def new_config_text(identity: ProjectIdentity, default_mission: str) -> str:
    """config.yaml for a new project."""
    return (
        f"{_IDENTITY_NOTE}"
        "project:\n"
        f"  uuid: {identity.uuid}\n"
        f"  slug: {_scalar(identity.slug)}\n"
        "workflow:\n"
        f"  default_mission: {default_mission}\n"
    )


def with_identity(text: str, slug: str, where: Path = CONFIG) -> tuple[str, ProjectIdentity]:
    """`text` (a config.yaml) with project.uuid and project.slug added where missing.

    Only lines are added: a `project:` block at the end, or the missing keys at the top of an
    existing one. The result is parsed back and must equal the original plus the identity, or
    NotAProject says what to add by hand. A slug already there is kept.
    """
    import uuid  # here: uuid imports platform, a cost every command would pay

    import yaml

    config = _parse(text, where)
    if identity_of(config) is not None:
        return text, identity_of(config)
    project = config.get("project")
    if project is not None and not isinstance(project, dict):
        raise NotAProject(f"{where}: `project` is {type(project).__name__}; expected a mapping")
    identity = ProjectIdentity(
        str((project or {}).get("uuid") or uuid.uuid4()), str((project or {}).get("slug") or slug)
    )
    missing = {
        key: value
        for key, value in (("uuid", identity.uuid), ("slug", identity.slug))
        if not (project or {}).get(key)
    }
    updated = _insert_keys(text, missing) if "project" in config else _append_block(text, missing)
    expected = {**config, "project": {**(project or {}), **missing}}
    if updated is None or yaml.safe_load(updated) != expected:
        raise NotAProject(
            f"{where}: could not add the project identity to its text; add by hand:\n"
            f"project:\n  uuid: {identity.uuid}\n  slug: {identity.slug}"
        )
    return updated, identity


_IDENTITY_NOTE = (
    "# spec-kitty project settings. project.uuid identifies this project's events in sync;\n"
    "# keep it when copying the repository.\n"
)
_PROJECT_LINE = re.compile(r"^project:[ \t]*(#.*)?$")
_INDENT = re.compile(r"^([ \t]+)\S")


def default_slug(root: Path) -> str:
    """The slug a new identity gets: the origin remote's repository name, else the folder's
    (what spec-kitty 2.x derives too, so both tools would name the project alike)."""
    from spec_kitty.jsonl import ScriptError
    from spec_kitty.workflow import git
    from spec_kitty.workflow.slugs import slugify

    remote = git.run(root, "remote", "get-url", "origin").stdout.strip()
    name = remote.rstrip("/").rpartition("/")[2].rpartition(":")[2].removesuffix(".git")
    for candidate in (name, root.name):
        try:
            return slugify(candidate)
        except ScriptError:
            continue
    return "project"


def _scalar(value: str) -> str:
    """`value` as a YAML scalar that reads back as the same string (`yes`, `123` are quoted)."""
    import json

    import yaml

    return value if yaml.safe_load(value) == value else json.dumps(value)


def _parse(text: str, where: Path) -> dict:
    import yaml

    try:
        config = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f"line {mark.line + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or "unreadable"
        raise NotAProject(f"{where} is not valid YAML ({at}{problem})") from None
    if not isinstance(config, dict):
        raise NotAProject(f"{where} must be a YAML mapping")
    return config


def _append_block(text: str, keys: dict) -> str:
    body = "".join(f"  {key}: {_scalar(value)}\n" for key, value in keys.items())
    separator = "" if not text or text.endswith("\n") else "\n"
    return f"{text}{separator}{_IDENTITY_NOTE}project:\n{body}"


def _insert_keys(text: str, keys: dict) -> str | None:
    """`keys` added under the top-level `project:` line, at its children's indentation."""
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if _PROJECT_LINE.match(line.rstrip("\r\n"))]
    if len(starts) != 1:
        return None
    start = starts[0]
    indent = "  "
    for line in lines[start + 1 :]:
        if line.strip() and not line.lstrip().startswith("#"):
            match = _INDENT.match(line)
            indent = match.group(1) if match else indent
            break
    if not lines[start].endswith("\n"):
        lines[start] += "\n"
    added = [f"{indent}{key}: {_scalar(value)}\n" for key, value in keys.items()]
    return "".join(lines[: start + 1] + added + lines[start + 1 :])
