"""All-or-nothing changes to the repository: every step a command plans, then one commit.

A command plans its steps (files to write, move or remove, status-log events, a worktree) and the
events to queue; `commit` writes the whole plan to the journal, carries it out, commits the files
in one commit and queues the events. Files are written to a temporary name beside their target
and moved into place. If a step or the commit fails, `rollback` undoes the steps already taken,
so a failing command leaves the repository as it found it.

A command killed after writing its journal is finished by the next workflow command
(`finish_interrupted`): every step is taken again only where it is not taken yet, the commit is
made unless it is already there (the killed command's git may have finished it), and the events
are queued under the ids they were given, which the queue keeps once.
"""

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from spec_kitty.atomic import remove_leftovers, replace_file
from spec_kitty.filemode import plain_mode
from spec_kitty.jsonl import ScriptError, warn
from spec_kitty.workflow import git, journal, records, status_log
from spec_kitty.workflow.status_snapshot import (
    Status,
    is_current,
    read_status,
    snapshot_path,
    snapshot_text,
)

Undo = list[Callable[[], None]]


class Changeset:
    def __init__(self, root: Path):
        self.root = root.resolve()
        self.paths: list[Path] = []  # what the commit will hold
        self.steps: list[dict] = []
        self.events: list[dict] = []  # bare records, queued once the change is committed
        self._planned: dict[Path, str | None] = {}  # the digest each path will have
        self._undo: Undo = []

    def __enter__(self) -> "Changeset":
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is not None:
            self.rollback()

    def inside(self, path: Path) -> Path:
        """`path` made absolute; ScriptError when it would leave the repository."""
        resolved = (self.root / path).resolve()
        if resolved != self.root and self.root not in resolved.parents:
            raise ScriptError(f"{path} is outside the repository {self.root}; nothing written")
        return resolved

    def make_dirs(self, directory: Path) -> None:
        self.steps.append({"op": "dirs", "path": self._relative(self.inside(directory))})

    def write(self, path: Path, text: str) -> None:
        path = self.inside(path)
        after = _digest_of(text.encode("utf-8"))
        before = self._will_hold(path)
        step = {"op": "write", "path": self._relative(path), "text": text}
        self.steps.append({**step, "before": before, "after": after})
        self._planned[path] = after
        self._track(path)

    def remove(self, path: Path) -> None:
        path = self.inside(path)
        self.steps.append({"op": "remove", "path": self._relative(path)})
        self._planned[path] = None
        self._track(path)

    def move(self, source: Path, target: Path) -> None:
        source, target = self.inside(source), self.inside(target)
        self.steps.append(
            {"op": "move", "source": self._relative(source), "target": self._relative(target)}
        )
        self._planned[target] = self._will_hold(source)
        self._planned[source] = None
        self._track(source)
        self._track(target)

    def append_log(self, path: Path, events: list[dict]) -> Status:
        """Plan appending `events` to a status log and rewriting its snapshot to cover them;
        the status the log will have after them."""
        path = self.inside(path)
        self.steps.append({"op": "append_log", "path": self._relative(path), "events": events})
        self._track(path)
        self._track(snapshot_path(path))
        status = read_status(path)
        for event in events:
            status.apply(event)
        return status

    def add_worktree(self, path: Path, branch: str, base: str | None) -> None:
        """A worktree at `path` on `branch` (made from commit `base` when there is none yet)."""
        path = self.inside(path)
        self.steps.append(
            {"op": "worktree", "path": self._relative(path), "branch": branch, "base": base}
        )

    def track(self, path: Path) -> None:
        """Commit `path` too (a file the command did not write but that belongs with the change)."""
        self._track(self.inside(path))

    def queue(self, events: list[dict]) -> None:
        """Bare records to queue for sync once the change is made."""
        self.events.extend(events)

    def commit(self, message: str, enabled: bool = True, result: dict | None = None) -> bool:
        """Journal the plan, take every step, commit every tracked path in one commit and queue
        the events; False when there was nothing new to commit. `result` is what the command
        reports, kept in the journal for the same command run again after an interruption."""
        plan = {
            "id": os.urandom(16).hex(),  # not uuid4: importing uuid costs more than the commit
            "call": journal.current_call(),
            "root": str(self.root),
            "branch": git.current_branch(self.root) if enabled else None,
            "head": git.head_commit(self.root) if enabled else None,
            "steps": self.steps,
            "commit": enabled,
            "message": message,
            "paths": [self._relative(path) for path in self.paths],
            "events": self.events,
            "result": result or {},
        }
        _check_nothing_unfinished(self.root)
        journal.save(self.root, plan)
        try:
            for step in self.steps:
                _STEPS[step["op"]](self.root, step, self._undo)
            committed = False
            if enabled and self.paths:
                committed = git.commit_paths(self.root, self.paths, message)
        except BaseException:
            self.rollback()
            journal.clear(self.root)
            raise
        self._undo.clear()
        records.send(self.root, self.events)
        result = {**plan["result"], "committed": committed}
        journal.keep_answer(self.root, {**plan, "result": result})
        return committed

    def rollback(self) -> None:
        while self._undo:
            self._undo.pop()()

    def _relative(self, path: Path) -> str:
        return str(path.relative_to(self.root))

    def _will_hold(self, path: Path) -> str | None:
        """The digest of `path` once the steps planned so far are taken (None: no file)."""
        if path in self._planned:
            return self._planned[path]
        return _digest(path)

    def _track(self, path: Path) -> None:
        if path not in self.paths:
            self.paths.append(path)
            # Commands hold the repository lock, so a temporary beside a file of this change is
            # one a killed command left behind.
            remove_leftovers(path)


def finish_interrupted(root: Path) -> dict | None:
    """The journal a killed command left, its change finished: its steps, its commit, its events.

    Returns that journal with the command's call and result (None when there was none), so the
    same command run again can report it instead of doing its work twice; the journal itself is
    left for the caller to keep or clear."""
    plan = journal.load(root)
    if plan is None or plan.get("made"):
        return plan
    base = Path(plan["root"])
    message = plan["message"]
    try:
        _check_branch(base, plan)
        for step in plan["steps"]:
            _STEPS[step["op"]](base, step, [])
        committed = False
        if plan["commit"] and plan["paths"]:
            paths = [base / path for path in plan["paths"]]
            committed = (
                _landed(base, plan) or git.commit_paths(base, paths, message) or _landed(base, plan)
            )
    except ScriptError as exc:
        raise ScriptError(
            f"an interrupted command left its change ({message}) unfinished, and finishing it "
            f"failed: {exc}. Once that is fixed, run the command again; or remove "
            f"{journal.journal_path(root)} to leave the change as it is",
            exc.exit_code,
        ) from None
    queued = records.send(base, plan["events"])
    made = "committed" if committed else "not committed" if plan["commit"] else "left uncommitted"
    warn(
        f"finished what an interrupted command started: {message} ({made}; "
        f"{queued} event(s) queued for sync)"
    )
    return {**plan, "made": True, "result": {**plan["result"], "committed": committed}}


def _check_nothing_unfinished(root: Path) -> None:
    """Workflow commands finish a killed command's change before their own (lock.exclusive);
    any other writer (spec-kitty migrate) must not overwrite its journal."""
    left = journal.load(root)
    if left is not None and not left.get("made"):
        raise ScriptError(
            f"an interrupted command left its change ({left['message']}) unfinished; run that "
            "command again to finish it, then this one"
        )


def _check_branch(root: Path, plan: dict) -> None:
    current = git.current_branch(root)
    if plan["commit"] and plan["branch"] and current != plan["branch"]:
        raise ScriptError(
            f"it commits to {plan['branch']}, but {current or 'a detached HEAD'} is checked out; "
            f"run `git checkout {plan['branch']}`"
        )


def _landed(root: Path, plan: dict) -> bool:
    """Whether the commit is already made (by the killed command's own git, say)."""
    if git.head_commit(root) is None:
        return False
    since = f"{plan['head']}..HEAD" if plan["head"] else "HEAD"
    subjects = git.git(root, "log", "-n", "100", "--format=%s", since).splitlines()
    return plan["message"] in subjects


def _make_dirs(root: Path, step: dict, undo: Undo) -> None:
    _create_dirs(root / step["path"], undo)


def _create_dirs(directory: Path, undo: Undo) -> None:
    missing = [d for d in (directory, *directory.parents) if not d.exists()]
    for created in reversed(missing):
        created.mkdir()
        undo.append(lambda d=created: _remove_tree(d))


def _write(root: Path, step: dict, undo: Undo) -> None:
    path = root / step["path"]
    remove_leftovers(path)  # of this step, taken by a command killed mid-write
    now = _digest(path)
    if now == step["after"]:
        return  # written before an interruption
    if now != step["before"]:
        warn(f"{path} changed while the change was under way; kept as it is now")
        return
    _create_dirs(path.parent, undo)
    original = path.read_bytes() if now is not None else None
    # Not flushed to disk file by file: git does not flush the commit these files go into either
    # (core.fsync's default), so a power cut loses the change whatever is done here, and a fsync
    # each cost the planning commands a sixth of their time. A kill leaves old or new, never half.
    replace_file(path, step["text"], mode=plain_mode(path), durable=False)
    undo.append(lambda: _restore(path, original))


def _remove(root: Path, step: dict, undo: Undo) -> None:
    path = root / step["path"]
    if not path.exists():
        return
    original, mode = path.read_bytes(), path.stat().st_mode
    path.unlink()
    undo.append(lambda: _restore(path, original, mode))


def _move(root: Path, step: dict, undo: Undo) -> None:
    source, target = root / step["source"], root / step["target"]
    if not source.exists() and target.exists():
        return  # moved before an interruption
    _create_dirs(target.parent, undo)
    os.replace(source, target)
    undo.append(lambda: os.replace(target, source))


def _append_log(root: Path, step: dict, undo: Undo) -> None:
    """The events the log lacks appended, then its snapshot rewritten to cover them (also when
    a killed command appended them but never got to the snapshot)."""
    path, events = root / step["path"], step["events"]
    # The events go in as one write, in order: the log's last one says how far a killed command
    # got, without reading the whole history.
    ids = [event["event_id"] for event in events]
    last = read_status(path).last_event_id
    missing = events[ids.index(last) + 1 :] if last in ids else events
    if missing:
        undo.append(status_log.append_events(path, missing).undo)
    if is_current(path):
        return  # written before an interruption
    snapshot = snapshot_path(path)
    original = snapshot.read_bytes() if snapshot.exists() else None
    text = snapshot_text(read_status(path), path)
    replace_file(snapshot, text, mode=plain_mode(snapshot), durable=False)
    undo.append(lambda: _restore(snapshot, original))


def _add_worktree(root: Path, step: dict, undo: Undo) -> None:
    path, branch = root / step["path"], step["branch"]
    if (path / ".git").exists():
        return  # added before an interruption
    new_branch = branch not in git.local_branches(root)
    git.add_worktree(root, path, branch, step["base"] if new_branch else None)
    undo.append(lambda: git.remove_worktree(root, path, branch if new_branch else None))


_STEPS: dict[str, Callable[[Path, dict, Undo], None]] = {
    "dirs": _make_dirs,
    "write": _write,
    "remove": _remove,
    "move": _move,
    "append_log": _append_log,
    "worktree": _add_worktree,
}


def _digest(path: Path) -> str | None:
    try:
        return _digest_of(path.read_bytes())
    except FileNotFoundError:
        return None


def _digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _restore(path: Path, original: bytes | None, mode: int | None = None) -> None:
    if original is None:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(original)
    if mode is not None:
        os.chmod(path, mode)


def _remove_tree(directory: Path) -> None:
    if not directory.exists():
        return
    for child in sorted(directory.rglob("*"), reverse=True):
        if child.is_dir() and not child.is_symlink():
            child.rmdir()
        else:
            child.unlink()
    directory.rmdir()
