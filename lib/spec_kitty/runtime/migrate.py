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
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import IO

from spec_kitty import __version__
from spec_kitty.filelock import file_lock
from spec_kitty.homes import kittify_home
from spec_kitty.jsonl import ScriptError, warn, write_record
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
    global_runtime_is_current,
    read_manifest,
    shipped_files,
    write_atomic,
    write_json,
)
from spec_kitty.runtime.migrate_report import (
    GLOBAL,
    PROJECT,
    Action,
    MigrationConflict,
    Report,
    commit_message,
    describe,
    global_summary,
    project_summary,
)
from spec_kitty.runtime.migrate_report import ActionKind as A
from spec_kitty.runtime.origin import CONFIGURATION, Origin, origin_of

LOCK = "migrate.lock"
LOCK_TIMEOUT = 30.0
WORKTREES_IGNORE = ".gitignore"

Notify = Callable[[str], None]


def ensure_global_runtime(notify: Notify = warn, dry_run: bool = False) -> Report:
    """Install or update the package defaults in $KITTIFY_HOME. Files the user edited are
    never overwritten, only reported."""
    home = kittify_home()
    if dry_run:
        actions = plan_global(home)
    else:
        with runtime_lock(home):
            actions = plan_global(home)
            _apply_global(home, actions)
    report = Report(GLOBAL, home, actions, applied=not dry_run)
    notify(global_summary(report, dry_run))
    return report


def ensure_current_global_runtime(notify: Notify = warn) -> Report | None:
    """ensure_global_runtime when $KITTIFY_HOME holds no runtime, or one another version of the
    package installed; otherwise None. One small read when current, so a workflow command can
    call it every time and an upgrade never leaves the old defaults in the global tiers.

    Its summary is told only when a file was (or could not be) changed: a workflow command has
    nothing to say about a runtime that was already right."""
    if global_runtime_is_current():
        return None
    notes: list[str] = []
    report = ensure_global_runtime(notes.append)
    if any(action.action != A.UNCHANGED for action in report.actions):
        for note in notes:
            notify(note)
    return report


def migrate_project(
    root: Path, notify: Notify = warn, dry_run: bool = False, commit: bool = True
) -> Report:
    """Leave `root`/.kittify/ with only its overrides and configuration, give the project its
    sync identity, mark it migrated, and commit that (unless `commit` is False).

    When a conflict held it back, `report.raise_conflicts()` turns it into the error to end with.
    """
    actions = plan_project(root)
    conflicted = any(action.action == A.CONFLICT for action in actions)
    committed = False
    if not dry_run and not conflicted:
        with _project_locks(root):
            actions = plan_project(root)
            committed = _apply_project(root, actions, commit)
    report = Report(PROJECT, root, actions, not (dry_run or conflicted), committed)
    notify(project_summary(report, dry_run or conflicted, commit))
    return report


def migrate(
    projects: Iterable[Path], notify: Notify = warn, dry_run: bool = False, commit: bool = True
) -> Iterator[Report]:
    """The global runtime, then each project in turn: one report each, as it is made."""
    yield ensure_global_runtime(notify, dry_run)
    for project in projects:
        yield migrate_project(project, notify, dry_run, commit)


def migrate_and_write(
    projects: Iterable[Path],
    out: IO[str],
    dry_run: bool = False,
    commit: bool = True,
    readable: bool = False,
    conflicted: Callable[[MigrationConflict], None] | None = None,
) -> int:
    """migrate, each report written to `out` as it is made: its JSON lines, or (`readable`) a
    project's dry-run listing for a person to read. The summaries go to stderr as `migrate`
    tells them. Each project held back by a conflict is passed to `conflicted`, or without one
    ends the run; returns how many were."""
    held_back = 0
    for report in migrate(projects, dry_run=dry_run, commit=commit):
        if not readable:
            for record in report.records(dry_run):
                write_record(out, record)
        elif dry_run and report.scope == PROJECT:
            out.write("\n".join(describe(report)) + "\n")
        out.flush()
        conflict = report.conflict()
        if conflict is None:
            continue
        if conflicted is None:
            raise conflict
        held_back += 1
        conflicted(conflict)
    return held_back


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


def plan_global(home: Path) -> list[Action]:
    recorded = read_manifest(home)["files"]
    shipped = shipped_files()
    actions = []
    for rel, source in shipped.items():
        target = home / rel
        if not target.is_file():
            actions.append(Action(GLOBAL, A.INSTALL, rel))
            continue
        current = file_hash(target)
        if current == file_hash(source):
            actions.append(Action(GLOBAL, A.UNCHANGED, rel))
        elif current == recorded.get(rel):
            actions.append(Action(GLOBAL, A.UPDATE, rel))
        elif found := stock.stock_origin(rel, current):
            actions.append(
                Action(
                    GLOBAL,
                    A.SKIP_SPEC_KITTY,
                    rel,
                    origin=str(found),
                    reason="spec-kitty's own copy (it manages this folder); left as it is, "
                    "ours is served from the package",
                )
            )
        else:
            actions.append(
                Action(
                    GLOBAL,
                    A.SKIP_USER_EDITED,
                    rel,
                    reason="edited since it was installed; kept (delete it to get the new default)",
                )
            )
    for rel in sorted(recorded.keys() - shipped.keys()):
        target = home / rel
        if not target.is_file():
            continue
        if file_hash(target) == recorded[rel]:
            actions.append(Action(GLOBAL, A.RETIRE, rel, reason="no longer shipped"))
        else:
            actions.append(
                Action(GLOBAL, A.SKIP_USER_EDITED, rel, reason="no longer shipped; you edited it")
            )
    return actions


def plan_project(root: Path) -> list[Action]:
    """What migrating `root` would do to each file of its .kittify/, and to the project."""
    kittify = root / KITTIFY
    if not kittify.is_dir():
        raise ScriptError(f"{root} has no {KITTIFY}/ directory; nothing to migrate")
    actions = []
    for rel, path in _project_files(kittify):
        place = None if path.is_symlink() else placement(rel)
        if place is None:
            actions.append(
                Action(PROJECT, A.UNTOUCHED_CONFIG, _shown(rel), origin=str(CONFIGURATION))
            )
        else:
            origin = origin_of(file_hash(path), place.source, place.target)
            actions.append(_place(kittify, place, origin))
    identity = _identity_action(root)
    if identity is not None:
        actions = [a for a in actions if a.path != identity.path] + [identity]
    if _in_git(root) and _worktrees_not_ignored(root):
        actions.append(
            Action(
                PROJECT,
                A.IGNORE_WORKTREES,
                WORKTREES_IGNORE,
                reason=".worktrees/ (the work packages' checkouts) added",
            )
        )
    if project_state(root) != MIGRATED:
        actions.append(Action(PROJECT, A.MARK_MIGRATED, _shown(MARKER)))
    return actions


def _place(kittify: Path, place: Placement, found: Origin) -> Action:
    """The action for one runtime file of the project, given where it came from."""
    path, to, origin = _shown(place.source), _shown(place.target), str(found)
    keep_whole = place.mission is not None and place.mission not in shipped_missions()
    if found.is_stock and not keep_whole:
        reason = "unmodified copy; the global runtime serves this mission"
        return Action(PROJECT, A.REMOVE_IDENTICAL, path, origin=origin, reason=reason)
    if not place.is_legacy:
        if keep_whole:
            reason = f"mission {place.mission}: not one this toolkit ships, kept whole"
            return Action(PROJECT, A.KEEP_MISSION, path, origin=origin, reason=reason)
        return Action(PROJECT, A.KEEP_OVERRIDE, path, origin=origin)
    target = kittify / place.target
    if not target.exists():
        return Action(PROJECT, A.MOVE_OVERRIDE, path, origin=origin, to=to)
    if target.is_file() and file_hash(target) == file_hash(kittify / place.source):
        reason = "same as its new place"
        return Action(PROJECT, A.REMOVE_DUPLICATE, path, origin=origin, to=to, reason=reason)
    reason = "a different file is already at its new place"
    return Action(PROJECT, A.CONFLICT, path, origin=origin, to=to, reason=reason)


def _identity_action(root: Path) -> Action | None:
    """add-identity when config.yaml lacks project.uuid/slug (or is missing); else None."""
    config = root / CONFIG
    if config.is_file() and identity_of(read_config(root)) is not None:
        return None
    return Action(
        PROJECT,
        A.ADD_IDENTITY,
        CONFIG.as_posix(),
        origin=str(CONFIGURATION),
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


def _apply_global(home: Path, actions: list[Action]) -> None:
    shipped = shipped_files()
    recorded = read_manifest(home)["files"]
    files = {}
    for action in actions:
        rel, kind = action.path, action.action
        if kind in (A.INSTALL, A.UPDATE):
            write_atomic(home / rel, shipped[rel].read_bytes())
        if kind == A.RETIRE:
            (home / rel).unlink()
            continue
        if kind in (A.INSTALL, A.UPDATE, A.UNCHANGED):
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


def _apply_project(root: Path, actions: list[Action], commit: bool) -> bool:
    """Carry out the plan as one change of the repository; whether it was committed."""
    from spec_kitty.workflow.changeset import Changeset
    from spec_kitty.workflow.init import ignore_worktrees

    with Changeset(root) as changes:
        for action in actions:
            kind, path = action.action, root / action.path
            if kind in (A.REMOVE_IDENTICAL, A.REMOVE_DUPLICATE):
                changes.remove(path)
            elif kind == A.MOVE_OVERRIDE:
                changes.move(path, root / action.to)
            elif kind == A.ADD_IDENTITY:
                text = path.read_text() if path.is_file() else ""
                changes.write(path, with_identity(text, action.slug, path)[0])
            elif kind == A.IGNORE_WORKTREES:
                changes.write(path, ignore_worktrees(path))
            elif kind == A.MARK_MIGRATED:
                changes.write(path, marker_text())
        committed = changes.commit(commit_message(actions), commit and _in_git(root))
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
