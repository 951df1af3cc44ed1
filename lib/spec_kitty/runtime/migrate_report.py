"""What a migration reports: one record per file (`Action`) and per runtime (`Report`), as JSON
lines for machines and as sentences for people (the dry-run listing, the summary told on stderr,
the commit message)."""

from collections import Counter
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path

from spec_kitty import __version__
from spec_kitty.jsonl import EXIT_SOME_FAILED, ScriptError
from spec_kitty.runtime.legacy import KITTIFY

GLOBAL, PROJECT = "global", "project"


class ActionKind(StrEnum):
    """What migrating does to one file."""

    # The global runtime.
    INSTALL = "install"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    SKIP_USER_EDITED = "skip-user-edited"
    SKIP_SPEC_KITTY = "skip-spec-kitty"
    RETIRE = "retire"
    # A project.
    REMOVE_IDENTICAL = "remove-identical"
    REMOVE_DUPLICATE = "remove-duplicate"
    MOVE_OVERRIDE = "move-override"
    KEEP_OVERRIDE = "keep-override"
    KEEP_MISSION = "keep-mission"
    UNTOUCHED_CONFIG = "untouched-config"
    ADD_IDENTITY = "add-identity"
    IGNORE_WORKTREES = "ignore-worktrees"
    CONFLICT = "conflict"
    MARK_MIGRATED = "mark-migrated"


A = ActionKind
# The actions that change a file.
CHANGES = {
    A.INSTALL,
    A.UPDATE,
    A.RETIRE,
    A.REMOVE_IDENTICAL,
    A.REMOVE_DUPLICATE,
    A.MOVE_OVERRIDE,
    A.MARK_MIGRATED,
    A.ADD_IDENTITY,
    A.IGNORE_WORKTREES,
}


@dataclass
class Action:
    """One file's line of a migration report; `to_dict` is its JSON (fields left unset are
    not written)."""

    scope: str  # GLOBAL or PROJECT
    action: ActionKind
    path: str  # relative to $KITTIFY_HOME (global) or to the project root
    origin: str | None = None  # where the file came from, as text ("stock 1.0.3")
    to: str | None = None  # where a 1.x file goes
    slug: str | None = None  # the project slug add-identity writes
    reason: str | None = None

    def to_dict(self) -> dict:
        return {key: value for key, value in asdict(self).items() if value is not None}


@dataclass
class Report:
    """What migrating one runtime (the global one, or a project's) did or would do."""

    scope: str  # GLOBAL or PROJECT
    root: Path  # $KITTIFY_HOME, or the project root
    actions: list[Action]
    applied: bool  # carried out (not a dry run, nor held back by a conflict)
    committed: bool = False  # a project's change was committed

    @property
    def changed(self) -> bool:
        """Whether the plan changes anything."""
        return any(action.action in CHANGES for action in self.actions)

    def records(self, dry_run: bool) -> list[dict]:
        """The JSON lines `migrate --json` and migrate-global write: one per action, with its
        runtime ("home" or "project") and whether it was a dry run."""
        where = "home" if self.scope == GLOBAL else "project"
        return [
            {**action.to_dict(), where: str(self.root), "dry_run": dry_run}
            for action in self.actions
        ]

    def raise_conflicts(self) -> None:
        """End with MigrationConflict (exit 1) when a project migration was held back by
        conflicts."""
        conflict = self.conflict()
        if conflict is not None:
            raise conflict

    def conflict(self) -> "MigrationConflict | None":
        """Why a project migration was held back, naming the first colliding file; None when
        it was not."""
        conflicts = [action for action in self.actions if action.action == A.CONFLICT]
        if not conflicts:
            return None
        first = conflicts[0]
        return MigrationConflict(
            f"{len(conflicts)} customised 1.x file(s) in {self.root}/{KITTIFY} collide "
            f"with a different file at their new place (first: {first.path} -> {first.to});"
            " nothing was changed: merge each pair by hand, delete the 1.x copy, and run again"
        )


class MigrationConflict(ScriptError):
    exit_code = EXIT_SOME_FAILED


def describe(report: Report) -> list[str]:
    """A project report as lines a person reads: what happens to each file, and its origin."""
    lines = []
    for action in report.actions:
        verb = _VERBS.get(action.action, action.action)
        target = f" -> {action.to}" if action.to is not None else ""
        note = f"  ({action.reason})" if action.action in _EXPLAINED else ""
        lines.append(f"{verb:<8} {action.origin or '':<22} {action.path}{target}{note}")
    return lines


_VERBS = {
    A.REMOVE_IDENTICAL: "remove",
    A.REMOVE_DUPLICATE: "remove",
    A.MOVE_OVERRIDE: "move",
    A.KEEP_OVERRIDE: "keep",
    A.KEEP_MISSION: "keep",
    A.UNTOUCHED_CONFIG: "leave",
    A.ADD_IDENTITY: "edit",
    A.IGNORE_WORKTREES: "edit",
    A.MARK_MIGRATED: "add",
    A.CONFLICT: "CONFLICT",
}
_EXPLAINED = {A.KEEP_MISSION, A.ADD_IDENTITY, A.IGNORE_WORKTREES, A.CONFLICT, A.REMOVE_DUPLICATE}


def global_summary(report: Report, dry_run: bool) -> str:
    home = report.root
    parts = _phrases(report.actions, dry_run)
    if not report.changed:
        return f"global runtime {home} is up to date ({__version__}); nothing to change" + (
            f" ({', '.join(parts)})" if parts else ""
        )
    return f"global runtime {home} ({__version__}): " + ", ".join(parts)


def project_summary(report: Report, dry_run: bool, commit: bool) -> str:
    root = report.root
    parts = _phrases(report.actions, dry_run)
    if not report.changed:
        return f"project {root} is already migrated; nothing to change ({', '.join(parts)})"
    if report.committed:
        parts.append("committed")
    elif not dry_run and report.applied:
        parts.append("not committed (no git)" if commit else "not committed (--no-commit)")
    return f"project {root}: " + ", ".join(parts)


def commit_message(actions: list[Action]) -> str:
    counts = Counter(action.action for action in actions)
    parts = [
        f"{counts[A.REMOVE_IDENTICAL]} stock copies removed" if counts[A.REMOVE_IDENTICAL] else "",
        f"{counts[A.MOVE_OVERRIDE]} overrides moved out of 1.x places"
        if counts[A.MOVE_OVERRIDE]
        else "",
        "sync identity added" if counts[A.ADD_IDENTITY] else "",
    ]
    detail = "; ".join(part for part in parts if part)
    return "Move .kittify/ onto the global runtime" + (f": {detail}" if detail else "")


# What each kind of action did, and would do on a dry run, in the order summaries tell them.
_PHRASES = {
    # The global runtime.
    A.INSTALL: ("installed {n} file(s)", "would install {n} file(s)"),
    A.UPDATE: ("updated {n} file(s)", "would update {n} file(s)"),
    A.RETIRE: ("removed {n} retired default(s)", "would remove {n} retired default(s)"),
    A.SKIP_USER_EDITED: ("kept {n} file(s) you edited", "would keep {n} file(s) you edited"),
    A.SKIP_SPEC_KITTY: (
        "left {n} file(s) spec-kitty manages",
        "would leave {n} file(s) spec-kitty manages",
    ),
    # A project.
    A.REMOVE_IDENTICAL: (
        "removed {n} stock copy(ies) the global runtime serves",
        "would remove {n} stock copy(ies) the global runtime serves",
    ),
    A.REMOVE_DUPLICATE: (
        "removed {n} duplicate 1.x file(s)",
        "would remove {n} duplicate 1.x file(s)",
    ),
    A.MOVE_OVERRIDE: (
        "moved {n} override(s) out of 1.x locations",
        "would move {n} override(s) out of 1.x locations",
    ),
    A.KEEP_OVERRIDE: ("kept {n} override(s)", "would keep {n} override(s)"),
    A.KEEP_MISSION: (
        "kept {n} file(s) of missions this toolkit does not ship",
        "would keep {n} file(s) of missions this toolkit does not ship",
    ),
    A.ADD_IDENTITY: ("added the sync identity", "would add the sync identity"),
    A.IGNORE_WORKTREES: ("ignored .worktrees/", "would ignore .worktrees/"),
    A.UNTOUCHED_CONFIG: (
        "left {n} configuration file(s) untouched",
        "would leave {n} configuration file(s) untouched",
    ),
    A.CONFLICT: ("{n} conflict(s)", "{n} conflict(s)"),
    A.MARK_MIGRATED: ("marked migrated", "would mark it migrated"),
}


def _phrases(actions: list[Action], dry_run: bool) -> list[str]:
    counts = Counter(action.action for action in actions)
    return [
        phrase[dry_run].format(n=counts[kind]) for kind, phrase in _PHRASES.items() if counts[kind]
    ]
