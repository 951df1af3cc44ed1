"""All-or-nothing changes to the repository: every file a command writes, then one commit.

Files are written to a temporary name beside their target and moved into place. Until the commit
has succeeded, `rollback` (run automatically when the `with` block raises) removes what was
created, restores what was changed, undoes log appends and other recorded steps, so a failing
command leaves the repository as it found it.
"""

import os
from collections.abc import Callable
from pathlib import Path

from spec_kitty.atomic import remove_leftovers, replace_file
from spec_kitty.filemode import plain_mode
from spec_kitty.jsonl import ScriptError
from spec_kitty.workflow import git, status_log
from spec_kitty.workflow.status_snapshot import Status, read_status, snapshot_path, snapshot_text


class Changeset:
    def __init__(self, root: Path):
        self.root = root.resolve()
        self.paths: list[Path] = []  # what the commit will hold
        self._undo: list[Callable[[], None]] = []

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
        directory = self.inside(directory)
        missing = [d for d in (directory, *directory.parents) if not d.exists()]
        for created in reversed(missing):
            created.mkdir()
            self._undo.append(lambda d=created: _remove_tree(d))

    def write(self, path: Path, text: str) -> None:
        path = self.inside(path)
        self.make_dirs(path.parent)
        original = path.read_bytes() if path.exists() else None
        # Not flushed to disk file by file: git does not flush the commit these files go into
        # either (core.fsync's default), so a power cut loses the change whatever is done here,
        # and a fsync each cost the planning commands a sixth of their time.
        replace_file(path, text, mode=plain_mode(path), durable=False)
        self._undo.append(lambda: _restore(path, original))
        self._track(path)

    def remove(self, path: Path) -> None:
        path = self.inside(path)
        original, mode = path.read_bytes(), path.stat().st_mode
        path.unlink()
        self._undo.append(lambda: _restore(path, original, mode))
        self._track(path)

    def move(self, source: Path, target: Path) -> None:
        source, target = self.inside(source), self.inside(target)
        self.make_dirs(target.parent)
        os.replace(source, target)
        self._undo.append(lambda: os.replace(target, source))
        self._track(source)
        self._track(target)

    def append_log(self, path: Path, events: list[dict]) -> Status:
        """Append `events` to a status log, then rewrite its snapshot to cover them; the status
        after them."""
        path = self.inside(path)
        appended = status_log.append_events(path, events)
        self._undo.append(appended.undo)
        self._track(path)
        status = read_status(path)
        self.write(snapshot_path(path), snapshot_text(status, path))
        return status

    def on_rollback(self, step: Callable[[], None]) -> None:
        """Something done outside the files (a worktree, a branch) to undo if the command fails."""
        self._undo.append(step)

    def track(self, path: Path) -> None:
        """Commit `path` too (a file the command did not write but that belongs with the change)."""
        self._track(self.inside(path))

    def commit(self, message: str, enabled: bool = True) -> bool:
        """Commit every written path in one commit; False when there was nothing new to commit."""
        if enabled and self.paths:
            committed = git.commit_paths(self.root, self.paths, message)
        else:
            committed = False
        self._undo.clear()
        return committed

    def rollback(self) -> None:
        while self._undo:
            self._undo.pop()()

    def _track(self, path: Path) -> None:
        path = self.inside(path)
        if path not in self.paths:
            self.paths.append(path)
            # Commands hold the repository lock, so a temporary beside a file of this change is
            # one a killed command left behind.
            remove_leftovers(path)


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
