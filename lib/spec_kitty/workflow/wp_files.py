"""Work-package prompt files, in every layout spec-kitty releases have written.

- flat: `tasks/WPnn-slug.md`, the lane in the frontmatter `lane:` (quoted or not);
- lane folders (0.x): `tasks/planned|doing|for_review|done/WPnn-slug.md`, where the folder is the
  lane and the frontmatter `lane:` may be stale.

Dependencies come from the frontmatter `dependencies:` when the key is there (`[]`, `[WP01]`,
`["WP01"]` or a block list), else from the work package's section of tasks.md.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

from spec_kitty.events.lanes import Lane, SyncLane, UnknownLane, parse_lane
from spec_kitty.jsonl import ScriptError
from spec_kitty.workflow import frontmatter
from spec_kitty.workflow.tasks_md import TaskSection
from spec_kitty.workflow.text import read_text

_FILE_ID = re.compile(r"(WP\d{2})\b")
_WP_ID = re.compile(r"WP\d{2}")


@dataclass
class WorkPackage:
    wp_id: str
    title: str
    path: Path
    folder: SyncLane | None  # the lane folder it sits in (0.x layout), None when flat
    frontmatter_lane: str | None
    dependencies: list[str] = field(default_factory=list)
    subtasks: list[str] = field(default_factory=list)
    fields: dict = field(default_factory=dict)

    @property
    def stated_lane(self) -> Lane | str:
        """The canonical lane the files state: the folder when there is one, else the frontmatter.

        A lane name this tool does not know is returned as written, never guessed.
        """
        raw = self.folder or self.frontmatter_lane or Lane.PLANNED
        try:
            return parse_lane(raw)
        except UnknownLane:
            return raw

    @property
    def stated_by(self) -> str:
        return f"folder tasks/{self.folder}/" if self.folder else "frontmatter"


def wp_file_paths(tasks_dir: Path) -> list[tuple[Path, SyncLane | None]]:
    """Every WP file under `tasks_dir` with its lane folder (None when flat)."""
    found = [(path, None) for path in sorted(tasks_dir.glob("WP*.md"))]
    for lane in SyncLane:
        found += [(path, lane) for path in sorted((tasks_dir / lane).glob("WP*.md"))]
    return found


def read_work_packages(
    feature_dir: Path, sections: list[TaskSection] | None = None
) -> dict[str, WorkPackage]:
    """The feature's work packages by id, in id order."""
    by_id = {section.wp_id: section for section in sections or []}
    packages: dict[str, WorkPackage] = {}
    for path, folder in wp_file_paths(feature_dir / "tasks"):
        package = read_wp_file(path, folder, by_id)
        earlier = packages.get(package.wp_id)
        if earlier:
            raise ScriptError(
                f"{package.wp_id} has two files, {earlier.path} and {path}; keep one of them"
            )
        packages[package.wp_id] = package
    return dict(sorted(packages.items()))


def read_wp_file(
    path: Path, folder: SyncLane | None, sections: dict[str, TaskSection]
) -> WorkPackage:
    text = read_text(path)
    raw, _body = frontmatter.split(text)
    fields = frontmatter.parse(raw, str(path)) if raw else {}
    wp_id = str(fields.get("work_package_id") or "").strip()
    if not _WP_ID.fullmatch(wp_id):
        match = _FILE_ID.match(path.name)
        if not match:
            raise ScriptError(f"{path}: no work_package_id and no WPnn at the start of the name")
        wp_id = match.group(1)
    section = sections.get(wp_id)
    title = fields.get("title") or fields.get("work_package_title") or (section and section.title)
    lane = fields.get("lane")
    return WorkPackage(
        wp_id=wp_id,
        title=str(title or path.stem),
        path=path,
        folder=folder,
        frontmatter_lane=str(lane).strip() if lane else None,
        dependencies=_dependencies(fields, section, path),
        subtasks=[str(s) for s in fields.get("subtasks") or (section.subtasks if section else [])],
        fields=fields,
    )


def _dependencies(fields: dict, section: TaskSection | None, path: Path) -> list[str]:
    if "dependencies" in fields:
        listed = fields["dependencies"] or []
        if isinstance(listed, str):
            listed = re.split(r"[,\s]+", listed)
        if not isinstance(listed, list):
            raise ScriptError(f"{path}: dependencies must be a list such as [WP01, WP02]")
        ids = [str(item).strip() for item in listed if str(item).strip()]
        bad = [item for item in ids if not _WP_ID.fullmatch(item)]
        if bad:
            raise ScriptError(f"{path}: dependencies {bad} are not work package ids like WP01")
        return ids
    return list(section.dependencies or []) if section else []


def set_fields(path: Path, values: dict) -> str:
    """The text of `path` with frontmatter `values` set in place (a frontmatter added if none)."""
    text = read_text(path)
    raw, body = frontmatter.split(text)
    if raw is None:
        raw, body = "", text
    for key, value in values.items():
        raw = frontmatter.set_field(raw, key, value)
    return frontmatter.join(raw, body)
