"""The board of every feature of a project, as the dashboard shows it.

Each feature is `workflow.board`'s board (lanes from the status log, dependencies, disagreements)
with what a card shows besides: the lane in the 4-lane view, whether each dependency is done, the
agent, the last move and any open review feedback. A feature is read again only when one of its
files changed since the last look, so a page polling every second costs a few `stat` calls.
"""

import os
import threading
from datetime import UTC, date, datetime
from pathlib import Path

from spec_kitty.events.lanes import LANES, Lane
from spec_kitty.jsonl import ScriptError
from spec_kitty.workflow import status_log
from spec_kitty.workflow.board import board, cli_column
from spec_kitty.workflow.execution import open_feedback
from spec_kitty.workflow.features import SPECS, feature_slugs, load_feature
from spec_kitty.workflow.slugs import wp_id as parse_wp_id
from spec_kitty.workflow.state import FeatureState, load_state
from spec_kitty.workflow.wp_files import WorkPackage, wp_file_paths

VIEWS = {"cli": list(LANES), "canonical": [lane.value for lane in Lane]}


class ProjectBoard:
    """Every feature's board, newest feature first, each kept until its files change."""

    def __init__(self, root: Path):
        self.root = root
        self._features: dict[str, tuple[tuple, dict]] = {}
        self._lock = threading.Lock()

    def data(self) -> dict:
        with self._lock:
            slugs = feature_slugs(self.root)
            features = [self._feature(slug) for slug in reversed(slugs)]
            for gone in set(self._features) - set(slugs):
                del self._features[gone]
        return {"lanes": VIEWS, "features": features}

    def _feature(self, slug: str) -> dict:
        key = fingerprint(self.root / SPECS / slug)
        cached = self._features.get(slug)
        if cached and cached[0] == key:
            return cached[1]
        try:
            data = feature_board(load_state(load_feature(self.root, slug)))
        except (ScriptError, OSError) as exc:
            data = {"feature": slug, "error": str(exc), "work_packages": [], "disagreements": []}
        self._features[slug] = (key, data)
        return data


def fingerprint(directory: Path) -> tuple:
    """Size, modification time and inode of every file a feature's board is read from."""
    files = [directory / "meta.json", directory / "tasks.md", directory / status_log.LOG_NAME]
    files += [path for path, _folder in wp_file_paths(directory / "tasks")]
    stamps = []
    for path in files:
        try:
            info = os.stat(path)
        except OSError:
            stamps.append((path.name, None))
            continue
        stamps.append((str(path), info.st_size, info.st_mtime_ns, info.st_ino))
    return tuple(stamps)


def feature_board(state: FeatureState) -> dict:
    data = board(state)
    last_moves = state.status.work_packages
    for card in data["work_packages"]:
        package = state.packages[card["wp_id"]]
        card["cli_lane"] = cli_column(card["lane"])
        for dependency in card["dependencies"]:
            dependency["done"] = dependency["lane"] == Lane.DONE
        card["agent"] = _agent(package)
        card.update(_last_move(last_moves.get(card["wp_id"]), package))
        card["review_feedback"] = open_feedback(package)
    return data


def wp_history(root: Path, slug: str, wp: str) -> dict | None:
    """A work package's moves from the status log, oldest first (with the WP file's own
    `history:` when the log has none, as releases before the log wrote it); None when there
    is no such feature or work package."""
    if slug not in feature_slugs(root):
        return None
    try:
        wp = parse_wp_id(wp)
    except ScriptError:
        return None
    state = load_state(load_feature(root, slug))
    package = state.packages.get(wp)
    events = [
        event for event in status_log.read_log(state.feature.log_path) if event["wp_id"] == wp
    ]
    if package is None and not events:
        return None
    return {
        "feature": slug,
        "wp_id": wp,
        "title": package.title if package else None,
        "events": events,
        "file_history": [] if events or package is None else _file_history(package),
        "review_feedback": open_feedback(package) if package else None,
    }


def _agent(package: WorkPackage) -> str | None:
    for key in ("agent", "assignee"):
        value = package.fields.get(key)
        if value and isinstance(value, str | int):
            return str(value)
    return None


def _last_move(logged: dict | None, package: WorkPackage) -> dict:
    """When and by whom a work package was last moved: its last transition in the status log,
    else the last entry of its file's own history."""
    if logged is not None:
        return {
            "last_moved_at": _utc(logged.get("last_transition_at")),
            "last_moved_by": logged.get("actor"),
        }
    entries = _file_history(package)
    if entries:
        return {"last_moved_at": _utc(entries[-1].get("timestamp")), "last_moved_by": None}
    return {"last_moved_at": None, "last_moved_by": None}


def _file_history(package: WorkPackage) -> list[dict]:
    """The frontmatter `history:` list of releases before the status log, as JSON values."""
    entries = package.fields.get("history")
    if not isinstance(entries, list):
        return []
    return [
        {str(k): _plain(v) for k, v in entry.items()}
        for entry in entries
        if isinstance(entry, dict)
    ]


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _utc(value: object) -> str | None:
    """An ISO-8601 moment as UTC `YYYY-MM-DDTHH:MM:SSZ` (what every browser parses); None when
    it is not one."""
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
