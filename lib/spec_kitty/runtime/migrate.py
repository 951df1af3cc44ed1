"""Install the package defaults as the global runtime, and move a project onto it.

Global (`$KITTIFY_HOME`): every package default is copied to the same relative path, and
`manifest.json` records the version and the hash of each file as installed. On a later run a file
still matching its recorded hash is updated; one the user edited is kept and reported
(skip-user-edited); a default the package no longer ships is removed unless edited.

Project (`.kittify/`): each runtime file (see spec_kitty.runtime.legacy) identical to a default of
this or an earlier release is removed; a customised one is kept as an override, moved out of a 1.x
location when it is in one; configuration is never touched. Then `.kittify/runtime.json` marks the
project migrated. When a customised 1.x file collides with a different file at its new place,
nothing at all is changed and the conflict is reported.

Both run under one lock in `$KITTIFY_HOME`, so concurrent migrations take turns; running again
changes nothing and says so.
"""

import os
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from pathlib import Path

from spec_kitty import __version__
from spec_kitty.filelock import file_lock
from spec_kitty.homes import kittify_home
from spec_kitty.jsonl import EXIT_SOME_FAILED, ScriptError, warn
from spec_kitty.runtime.legacy import (
    KITTIFY,
    LEGACY,
    MARKER,
    MIGRATED,
    placement,
    project_state,
    write_marker,
)
from spec_kitty.runtime.manifest import (
    MANIFEST,
    file_hash,
    known_default_hashes,
    read_manifest,
    shipped_files,
    write_atomic,
    write_json,
)

LOCK = "migrate.lock"
LOCK_TIMEOUT = 30.0
CHANGES = {"install", "update", "retire", "remove-identical", "remove-duplicate", "move-override"}
CHANGES_PROJECT = CHANGES | {"mark-migrated"}

Notify = Callable[[str], None]


class MigrationConflict(ScriptError):
    exit_code = EXIT_SOME_FAILED


def ensure_global_runtime(notify: Notify = warn, dry_run: bool = False) -> dict:
    """Install or update the package defaults in $KITTIFY_HOME; returns {home, version, changed,
    applied, actions}. Files the user edited are never overwritten, only reported."""
    home = kittify_home()
    if dry_run:
        actions = plan_global(home)
    else:
        with runtime_lock(home):
            actions = plan_global(home)
            _apply_global(home, actions)
    notify(_global_summary(home, actions, dry_run))
    report = _report("home", home, actions, CHANGES)
    report["applied"] = not dry_run
    return report


def ensure_current_global_runtime(notify: Notify = warn) -> dict | None:
    """ensure_global_runtime when $KITTIFY_HOME holds no runtime, or one another version of the
    package installed; otherwise None. One small read when current, so a workflow command can
    call it every time and an upgrade never leaves the old defaults in the global tiers.

    Its summary is told only when a file was (or could not be) changed: a workflow command has
    nothing to say about a runtime that was already right."""
    if read_manifest(kittify_home()).get("version") == __version__:
        return None
    notes: list[str] = []
    report = ensure_global_runtime(notes.append)
    if any(action["action"] != "unchanged" for action in report["actions"]):
        for note in notes:
            notify(note)
    return report


def migrate_project(root: Path, notify: Notify = warn, dry_run: bool = False) -> dict:
    """Leave `root`/.kittify/ with only its overrides and configuration, and mark it migrated.

    Returns {project, version, changed, applied, actions}: `changed` says whether the plan
    changes anything, `applied` whether it was carried out. When a conflict held it back,
    `raise_conflicts(report)` turns it into the error to end with.
    """
    actions = plan_project(root)
    conflicted = any(action["action"] == "conflict" for action in actions)
    if not dry_run and not conflicted:
        with runtime_lock(kittify_home()):
            actions = plan_project(root)
            _apply_project(root, actions)
    notify(_project_summary(root, actions, dry_run or conflicted))
    report = _report("project", root, actions, CHANGES_PROJECT)
    report["applied"] = not (dry_run or conflicted)
    return report


def action_records(report: dict, dry_run: bool) -> list[dict]:
    """The JSON lines `migrate --json` and migrate-global write for a report of
    ensure_global_runtime or migrate_project: one per action, with its runtime ("home" or
    "project") and whether it was a dry run."""
    where = "home" if "home" in report else "project"
    return [{**action, where: report[where], "dry_run": dry_run} for action in report["actions"]]


def raise_conflicts(report: dict) -> None:
    """End with MigrationConflict (exit 1) when a project migration was held back by conflicts."""
    conflicts = [action for action in report["actions"] if action["action"] == "conflict"]
    if conflicts:
        first = conflicts[0]
        raise MigrationConflict(
            f"{len(conflicts)} customised 1.x file(s) in {report['project']}/{KITTIFY} collide "
            f"with a different file at their new place (first: {first['path']} -> {first['to']});"
            " nothing was changed: merge each pair by hand, delete the 1.x copy, and run again"
        )


def mark_project_migrated(project_root: Path) -> Path:
    """Mark a new project as using the global runtime (what `spec-kitty init` calls).

    Idempotent. A project holding 1.x runtime files is refused: marking it would hide its
    customised files, so it needs `spec-kitty migrate`.
    """
    state = project_state(project_root)
    if state == LEGACY:
        raise ScriptError(
            f"{project_root / KITTIFY} holds 1.x templates; run `spec-kitty migrate` there "
            "to keep your customised files and use the global runtime"
        )
    marker = project_root / KITTIFY / MARKER
    if state != MIGRATED:
        write_marker(project_root)
    return marker


def plan_global(home: Path) -> list[dict]:
    recorded = read_manifest(home)["files"]
    shipped = shipped_files()
    actions = []
    for rel, source in shipped.items():
        target = home / rel
        if not target.is_file():
            actions.append(_action("global", "install", rel))
            continue
        current = file_hash(target)
        if current == file_hash(source):
            actions.append(_action("global", "unchanged", rel))
        elif current == recorded.get(rel):
            actions.append(_action("global", "update", rel))
        else:
            actions.append(
                _action(
                    "global",
                    "skip-user-edited",
                    rel,
                    reason="edited since it was installed; kept (delete it to get the new default)",
                )
            )
    for rel in sorted(recorded.keys() - shipped.keys()):
        target = home / rel
        if not target.is_file():
            continue
        if file_hash(target) == recorded[rel]:
            actions.append(_action("global", "retire", rel, reason="no longer shipped"))
        else:
            actions.append(
                _action(
                    "global", "skip-user-edited", rel, reason="no longer shipped; you edited it"
                )
            )
    return actions


def plan_project(root: Path, known: dict[str, set[str]] | None = None) -> list[dict]:
    """What migrating `root` would do to each file of its .kittify/, plus the marker."""
    known = known_default_hashes() if known is None else known
    kittify = root / KITTIFY
    if not kittify.is_dir():
        raise ScriptError(f"{root} has no {KITTIFY}/ directory; nothing to migrate")
    actions = []
    for rel, path in _project_files(kittify):
        place = None if path.is_symlink() else placement(rel)
        if place is None:
            actions.append(_action("project", "untouched-config", rel))
            continue
        digest = file_hash(path)
        target = kittify / place.target
        if digest in _default_hashes(place.default_patterns, known):
            actions.append(
                _action("project", "remove-identical", rel, reason="identical to a shipped default")
            )
        elif not place.is_legacy:
            actions.append(_action("project", "keep-override", rel))
        elif not target.exists():
            actions.append(_action("project", "move-override", rel, to=place.target))
        elif target.is_file() and file_hash(target) == digest:
            actions.append(
                _action(
                    "project",
                    "remove-duplicate",
                    rel,
                    to=place.target,
                    reason="same as its new place",
                )
            )
        else:
            actions.append(
                _action(
                    "project",
                    "conflict",
                    rel,
                    to=place.target,
                    reason="a different file is already at its new place",
                )
            )
    if project_state(root) != MIGRATED:
        actions.append(_action("project", "mark-migrated", MARKER))
    return actions


@contextmanager
def runtime_lock(home: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Exclusive lock on $KITTIFY_HOME/migrate.lock; a second migrate waits its turn."""
    home.mkdir(parents=True, exist_ok=True)
    busy = f"another migration holds {home / LOCK}; run again when it has finished"
    with file_lock(home / LOCK, timeout, busy):
        yield


def _apply_global(home: Path, actions: list[dict]) -> None:
    shipped = shipped_files()
    recorded = read_manifest(home)["files"]
    files = {}
    for action in actions:
        rel, kind = action["path"], action["action"]
        if kind in ("install", "update"):
            write_atomic(home / rel, shipped[rel].read_bytes())
        if kind == "retire":
            (home / rel).unlink()
            continue
        if kind in ("install", "update", "unchanged"):
            files[rel] = file_hash(shipped[rel])
        elif rel in recorded:
            files[rel] = recorded[rel]
    manifest = read_manifest(home)
    if manifest.get("version") != __version__ or manifest["files"] != files:
        write_json(
            home / MANIFEST,
            {
                "format": 1,
                "package": "spec-kitty-toolkit",
                "version": __version__,
                "updated_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "files": files,
            },
        )


def _apply_project(root: Path, actions: list[dict]) -> None:
    kittify = root / KITTIFY
    for action in actions:
        kind, source = action["action"], kittify / action["path"]
        if kind in ("remove-identical", "remove-duplicate"):
            source.unlink()
        elif kind == "move-override":
            target = kittify / action["to"]
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
    _prune_empty_dirs(kittify)
    if any(action["action"] == "mark-migrated" for action in actions):
        write_marker(root)


def _project_files(kittify: Path) -> Iterator[tuple[str, Path]]:
    """Every file (and symlink) under .kittify/, by relative path; symlinked folders not entered."""
    for folder, dirs, files in os.walk(kittify):
        dirs.sort()
        here = Path(folder)
        names = sorted(files + [d for d in dirs if (here / d).is_symlink()])
        for name in names:
            path = here / name
            yield path.relative_to(kittify).as_posix(), path


def _prune_empty_dirs(kittify: Path) -> None:
    for name in ("templates", "command-templates", "missions"):
        top = kittify / name
        if not top.is_dir() or top.is_symlink():
            continue
        for folder, _dirs, _files in sorted(os.walk(top), key=lambda entry: -len(entry[0])):
            path = Path(folder)
            if not path.is_symlink() and not any(path.iterdir()):
                path.rmdir()


def _default_hashes(patterns: tuple[str, ...], known: dict[str, set[str]]) -> set[str]:
    hashes: set[str] = set()
    for pattern in patterns:
        if "*" in pattern:
            for rel, digests in known.items():
                if fnmatchcase(rel, pattern):
                    hashes |= digests
        else:
            hashes |= known.get(pattern, set())
    return hashes


def _action(scope: str, action: str, path: str, **extra) -> dict:
    return {"scope": scope, "action": action, "path": path, **extra}


def _report(where: str, root: Path, actions: list[dict], changes: set[str]) -> dict:
    return {
        where: str(root),
        "version": __version__,
        "changed": any(action["action"] in changes for action in actions),
        "actions": actions,
    }


def _global_summary(home: Path, actions: list[dict], dry_run: bool) -> str:
    counts = Counter(action["action"] for action in actions)
    parts = _phrases(counts, _GLOBAL_PHRASES, dry_run)
    if not any(counts[kind] for kind in CHANGES):
        return f"global runtime {home} is up to date ({__version__}); nothing to change" + (
            f" ({', '.join(parts)})" if parts else ""
        )
    return f"global runtime {home} ({__version__}): " + ", ".join(parts)


def _project_summary(root: Path, actions: list[dict], dry_run: bool) -> str:
    counts = Counter(action["action"] for action in actions)
    parts = _phrases(counts, _PROJECT_PHRASES, dry_run)
    if not any(counts[kind] for kind in CHANGES_PROJECT):
        return f"project {root} is already migrated; nothing to change ({', '.join(parts)})"
    return f"project {root}: " + ", ".join(parts)


_GLOBAL_PHRASES = {
    "install": ("installed {n} file(s)", "would install {n} file(s)"),
    "update": ("updated {n} file(s)", "would update {n} file(s)"),
    "retire": ("removed {n} retired default(s)", "would remove {n} retired default(s)"),
    "skip-user-edited": ("kept {n} file(s) you edited", "would keep {n} file(s) you edited"),
}
_PROJECT_PHRASES = {
    "remove-identical": (
        "removed {n} unmodified copy(ies) of shipped defaults",
        "would remove {n} unmodified copy(ies) of shipped defaults",
    ),
    "remove-duplicate": (
        "removed {n} duplicate 1.x file(s)",
        "would remove {n} duplicate 1.x file(s)",
    ),
    "move-override": (
        "moved {n} override(s) out of 1.x locations",
        "would move {n} override(s) out of 1.x locations",
    ),
    "keep-override": ("kept {n} override(s)", "would keep {n} override(s)"),
    "untouched-config": (
        "left {n} configuration file(s) untouched",
        "would leave {n} configuration file(s) untouched",
    ),
    "conflict": ("{n} conflict(s)", "{n} conflict(s)"),
    "mark-migrated": ("marked migrated", "would mark it migrated"),
}


def _phrases(counts: Counter, phrases: dict, dry_run: bool) -> list[str]:
    return [
        phrase[dry_run].format(n=counts[kind]) for kind, phrase in phrases.items() if counts[kind]
    ]
