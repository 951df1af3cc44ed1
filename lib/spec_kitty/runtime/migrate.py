"""Install the package defaults as the global runtime, and move a project onto it.

Global (`$KITTIFY_HOME`): every package default is copied to the same relative path, and
`manifest.json` records the version and the hash of each file as installed. On a later run a file
still matching its recorded hash is updated; one the user edited is kept and reported
(skip-user-edited); a default the package no longer ships is removed unless edited.

A file there that is a spec-kitty release's stock copy (spec-kitty 2.x rewrites its missions in
the shared `~/.kittify` on every start) is spec-kitty's: it is left alone, never rewritten back,
and the resolver skips it.

Project (`.kittify/`): each runtime file (see spec_kitty.runtime.legacy) gets an origin
(spec_kitty.runtime.origin). A stock copy, of a spec-kitty release or of our own defaults, is
removed when the global runtime serves its mission; a mission this toolkit does not ship (1.x's
`documentation`) is kept whole so it stays usable; an edited or project-only file is kept byte for
byte, moved out of a 1.x location when it is in one; configuration is never touched, except that
a config.yaml without a sync identity gets one added. `.worktrees/` is ignored, the project is
marked migrated (`.kittify/runtime.json`), and all of it is one commit. When a customised 1.x file
collides with a different file at its new place, nothing at all is changed and the conflict is
reported.

Both run under one lock in `$KITTIFY_HOME` (a project also under its repository's workflow lock),
so concurrent migrations take turns; running again changes nothing and says so.
"""

import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from spec_kitty import __version__
from spec_kitty.filelock import file_lock
from spec_kitty.homes import kittify_home
from spec_kitty.jsonl import EXIT_SOME_FAILED, ScriptError, warn
from spec_kitty.project import CONFIG, default_slug, identity_of, read_config, with_identity
from spec_kitty.runtime import stock
from spec_kitty.runtime.legacy import (
    KITTIFY,
    LEGACY,
    MARKER,
    MIGRATED,
    Placement,
    marker_text,
    placement,
    project_state,
    write_marker,
)
from spec_kitty.runtime.manifest import (
    MANIFEST,
    file_hash,
    read_manifest,
    shipped_files,
    write_atomic,
    write_json,
)
from spec_kitty.runtime.origin import CONFIGURATION, Origin, origin_of

LOCK = "migrate.lock"
LOCK_TIMEOUT = 30.0
CHANGES = {"install", "update", "retire", "remove-identical", "remove-duplicate", "move-override"}
CHANGES_PROJECT = CHANGES | {"mark-migrated", "add-identity", "ignore-worktrees"}
WORKTREES_IGNORE = ".gitignore"

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


def migrate_project(
    root: Path, notify: Notify = warn, dry_run: bool = False, commit: bool = True
) -> dict:
    """Leave `root`/.kittify/ with only its overrides and configuration, give the project its
    sync identity, mark it migrated, and commit that (unless `commit` is False).

    Returns {project, version, changed, applied, committed, actions}: `changed` says whether the
    plan changes anything, `applied` whether it was carried out, `committed` whether a commit was
    made. When a conflict held it back, `raise_conflicts(report)` turns it into the error to end
    with.
    """
    actions = plan_project(root)
    conflicted = any(action["action"] == "conflict" for action in actions)
    committed = False
    if not dry_run and not conflicted:
        with _project_locks(root):
            actions = plan_project(root)
            committed = _apply_project(root, actions, commit)
    report = _report("project", root, actions, CHANGES_PROJECT)
    report["applied"] = not (dry_run or conflicted)
    report["committed"] = committed
    notify(_project_summary(root, report, dry_run or conflicted, commit))
    return report


def migrate(
    projects: Iterable[Path], notify: Notify = warn, dry_run: bool = False, commit: bool = True
) -> Iterator[dict]:
    """The global runtime, then each project in turn: one report each, as it is made."""
    yield ensure_global_runtime(notify, dry_run)
    for project in projects:
        yield migrate_project(project, notify, dry_run, commit)


def describe(report: dict) -> list[str]:
    """A project report as lines a person reads: what happens to each file, and its origin."""
    lines = []
    for action in report["actions"]:
        verb = _VERBS.get(action["action"], action["action"])
        target = f" -> {action['to']}" if "to" in action else ""
        note = f"  ({action['reason']})" if action["action"] in _EXPLAINED else ""
        lines.append(f"{verb:<8} {action.get('origin', ''):<22} {action['path']}{target}{note}")
    return lines


_VERBS = {
    "remove-identical": "remove",
    "remove-duplicate": "remove",
    "move-override": "move",
    "keep-override": "keep",
    "keep-mission": "keep",
    "untouched-config": "leave",
    "add-identity": "edit",
    "ignore-worktrees": "edit",
    "mark-migrated": "add",
    "conflict": "CONFLICT",
}
_EXPLAINED = {"keep-mission", "add-identity", "ignore-worktrees", "conflict", "remove-duplicate"}


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
        elif found := stock.stock_origin(rel, current):
            actions.append(
                _action(
                    "global",
                    "skip-spec-kitty",
                    rel,
                    origin=str(found),
                    reason="spec-kitty's own copy (it manages this folder); left as it is, "
                    "ours is served from the package",
                )
            )
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


def plan_project(root: Path) -> list[dict]:
    """What migrating `root` would do to each file of its .kittify/, and to the project."""
    kittify = root / KITTIFY
    if not kittify.is_dir():
        raise ScriptError(f"{root} has no {KITTIFY}/ directory; nothing to migrate")
    actions = []
    for rel, path in _project_files(kittify):
        place = None if path.is_symlink() else placement(rel)
        if place is None:
            actions.append(
                _action("project", "untouched-config", _shown(rel), origin=CONFIGURATION)
            )
        else:
            origin = origin_of(file_hash(path), place.source, place.target)
            actions.append(_place(kittify, place, origin))
    identity = _identity_action(root)
    if identity is not None:
        actions = [a for a in actions if a["path"] != identity["path"]] + [identity]
    if _in_git(root) and _worktrees_not_ignored(root):
        actions.append(
            _action(
                "project",
                "ignore-worktrees",
                WORKTREES_IGNORE,
                reason=".worktrees/ (the work packages' checkouts) added",
            )
        )
    if project_state(root) != MIGRATED:
        actions.append(_action("project", "mark-migrated", _shown(MARKER)))
    return actions


def _place(kittify: Path, place: Placement, origin: Origin) -> dict:
    """The action for one runtime file of the project, given where it came from."""
    path, to = _shown(place.source), _shown(place.target)
    keep_whole = place.mission is not None and place.mission not in shipped_missions()
    if origin.is_stock and not keep_whole:
        reason = "unmodified copy; the global runtime serves this mission"
        return _action("project", "remove-identical", path, origin=origin, reason=reason)
    if not place.is_legacy:
        if keep_whole:
            reason = f"mission {place.mission}: not one this toolkit ships, kept whole"
            return _action("project", "keep-mission", path, origin=origin, reason=reason)
        return _action("project", "keep-override", path, origin=origin)
    target = kittify / place.target
    if not target.exists():
        return _action("project", "move-override", path, origin=origin, to=to)
    if target.is_file() and file_hash(target) == file_hash(kittify / place.source):
        reason = "same as its new place"
        return _action("project", "remove-duplicate", path, origin=origin, to=to, reason=reason)
    reason = "a different file is already at its new place"
    return _action("project", "conflict", path, origin=origin, to=to, reason=reason)


def _identity_action(root: Path) -> dict | None:
    """add-identity when config.yaml lacks project.uuid/slug (or is missing); else None."""
    config = root / CONFIG
    if config.is_file() and identity_of(read_config(root)) is not None:
        return None
    return _action(
        "project",
        "add-identity",
        CONFIG.as_posix(),
        origin=CONFIGURATION,
        slug=default_slug(root) if _in_git(root) else root.name,
        reason="project.uuid and project.slug added for sync; every other line kept",
    )


@cache
def shipped_missions() -> frozenset[str]:
    """The missions whose files the global runtime serves (this package's)."""
    return frozenset(rel.split("/")[1] for rel in shipped_files() if rel.startswith("missions/"))


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


def _apply_project(root: Path, actions: list[dict], commit: bool) -> bool:
    """Carry out the plan as one change of the repository; whether it was committed."""
    from spec_kitty.workflow.changeset import Changeset
    from spec_kitty.workflow.init import ignore_worktrees

    with Changeset(root) as changes:
        for action in actions:
            kind, path = action["action"], root / action["path"]
            if kind in ("remove-identical", "remove-duplicate"):
                changes.remove(path)
            elif kind == "move-override":
                changes.move(path, root / action["to"])
            elif kind == "add-identity":
                text = path.read_text() if path.is_file() else ""
                changes.write(path, with_identity(text, action["slug"], path)[0])
            elif kind == "ignore-worktrees":
                changes.write(path, ignore_worktrees(path))
            elif kind == "mark-migrated":
                changes.write(path, marker_text())
        committed = changes.commit(_commit_message(actions), commit and _in_git(root))
    _prune_empty_dirs(root / KITTIFY)
    return committed


@contextmanager
def _project_locks(root: Path) -> Iterator[None]:
    """The repository's workflow lock (as every command takes), then the runtime's."""
    from spec_kitty.workflow.lock import repository_lock

    with ExitStack() as stack:
        if _in_git(root):
            stack.enter_context(repository_lock(root))
        stack.enter_context(runtime_lock(kittify_home()))
        yield


def _in_git(root: Path) -> bool:
    return any((folder / ".git").exists() for folder in (root, *root.parents))


def _worktrees_not_ignored(root: Path) -> bool:
    from spec_kitty.workflow.init import ignore_worktrees

    path = root / WORKTREES_IGNORE
    return ignore_worktrees(path) != (path.read_text(encoding="utf-8") if path.exists() else "")


def _commit_message(actions: list[dict]) -> str:
    counts = Counter(action["action"] for action in actions)
    parts = [
        f"{counts['remove-identical']} stock copies removed" if counts["remove-identical"] else "",
        f"{counts['move-override']} overrides moved out of 1.x places"
        if counts["move-override"]
        else "",
        "sync identity added" if counts["add-identity"] else "",
    ]
    detail = "; ".join(part for part in parts if part)
    return "Move .kittify/ onto the global runtime" + (f": {detail}" if detail else "")


def _shown(rel: str) -> str:
    """A .kittify/-relative path as the user sees it: relative to the project root."""
    return f"{KITTIFY}/{rel}"


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


def _action(scope: str, action: str, path: str, **extra) -> dict:
    """One line of a migration report; an origin is written as its text ("stock 1.0.3")."""
    if "origin" in extra:
        extra["origin"] = str(extra["origin"])
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


def _project_summary(root: Path, report: dict, dry_run: bool, commit: bool) -> str:
    counts = Counter(action["action"] for action in report["actions"])
    parts = _phrases(counts, _PROJECT_PHRASES, dry_run)
    if not report["changed"]:
        return f"project {root} is already migrated; nothing to change ({', '.join(parts)})"
    if report["committed"]:
        parts.append("committed")
    elif not dry_run and report["applied"]:
        parts.append("not committed (no git)" if commit else "not committed (--no-commit)")
    return f"project {root}: " + ", ".join(parts)


_GLOBAL_PHRASES = {
    "install": ("installed {n} file(s)", "would install {n} file(s)"),
    "update": ("updated {n} file(s)", "would update {n} file(s)"),
    "retire": ("removed {n} retired default(s)", "would remove {n} retired default(s)"),
    "skip-user-edited": ("kept {n} file(s) you edited", "would keep {n} file(s) you edited"),
    "skip-spec-kitty": (
        "left {n} file(s) spec-kitty manages",
        "would leave {n} file(s) spec-kitty manages",
    ),
}
_PROJECT_PHRASES = {
    "remove-identical": (
        "removed {n} stock copy(ies) the global runtime serves",
        "would remove {n} stock copy(ies) the global runtime serves",
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
    "keep-mission": (
        "kept {n} file(s) of missions this toolkit does not ship",
        "would keep {n} file(s) of missions this toolkit does not ship",
    ),
    "add-identity": ("added the sync identity", "would add the sync identity"),
    "ignore-worktrees": ("ignored .worktrees/", "would ignore .worktrees/"),
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
