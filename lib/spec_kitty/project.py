"""The project a command runs in: its root and its identity from `.kittify/config.yaml`."""

from dataclasses import dataclass
from pathlib import Path

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
    import yaml

    path = root / CONFIG
    try:
        config = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or "unreadable"
        raise NotAProject(f"{path} is not valid YAML ({where}{problem})") from None
    if not isinstance(config, dict):
        raise NotAProject(f"{path} must be a YAML mapping")
    return config


def load_identity(root: Path) -> ProjectIdentity:
    project = read_config(root).get("project") or {}
    uuid, slug = project.get("uuid"), project.get("slug")
    if not uuid or not slug:
        raise NotAProject(f"{root / CONFIG} has no project.uuid and project.slug")
    return ProjectIdentity(str(uuid), str(slug))
