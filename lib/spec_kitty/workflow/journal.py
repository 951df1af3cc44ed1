"""The journal: the whole of what a workflow command is about to do, kept until it is done.

A command plans its change first (see Changeset), then writes the plan here in one atomic file
in the git directory: every step (files and their new text, status-log events, a worktree), the
commit message, the events to queue with their ids, and the result to report. Only then does it
touch the repository. So a command killed at any point leaves either no journal and no change,
or a journal from which the next workflow command finishes the change (see
`changeset.finish_interrupted`).

The journal also names the call that wrote it, and once the change is made it keeps the result
until the answer is out (printed, for `spec-kitty`; returned, in-process): the same command run
again after a kill, before or after its change was made, answers with that result instead of
making a second copy of the change.
"""

import inspect
import json
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from spec_kitty.atomic import remove_leftovers, replace_file
from spec_kitty.jsonl import ScriptError
from spec_kitty.workflow import git

JOURNAL_NAME = "spec-kitty-journal.json"

_running: ContextVar[dict | None] = ContextVar("spec_kitty_workflow_call", default=None)
# Under `answering`: the ids of the made changes whose result waits for the answer.
_answering: ContextVar[list[str] | None] = ContextVar("spec_kitty_answering", default=None)


def journal_path(root: Path) -> Path | None:
    """Shared by every worktree of the repository, like the workflow lock; None outside a git
    repository (`spec-kitty migrate` changes such a project without a commit or a lock)."""
    try:
        return git.common_dir(root) / JOURNAL_NAME
    except git.GitError:
        return None


def describe(command: Callable, root: Path, args: tuple, kwargs: dict) -> dict:
    """The call as JSON: the command's name and every argument but the root, defaults filled in
    (a feature by its slug, a path as text)."""
    bound = inspect.signature(command).bind(root, *args, **kwargs)
    bound.apply_defaults()
    arguments = dict(list(bound.arguments.items())[1:])
    plain = json.loads(json.dumps(arguments, default=_plain))
    return {"command": command.__name__, "arguments": plain}


def _plain(value: object) -> object:
    slug = getattr(value, "slug", None)
    return slug if isinstance(slug, str) else str(value)


@contextmanager
def running(call: dict):
    """Mark `call` as the command whose Changeset writes the journal."""
    token = _running.set(call)
    try:
        yield
    finally:
        _running.reset(token)


def current_call() -> dict | None:
    return _running.get()


@contextmanager
def answering(start: Path):
    """Around a command and the printing of its answer: the result of the change stays in the
    journal until the answer is out, so a command killed in between answers when run again."""
    from spec_kitty.workflow.lock import repository_lock

    kept: list[str] = []
    token = _answering.set(kept)
    try:
        yield
    finally:
        _answering.reset(token)
    if kept:  # reached only when the answer is out
        # Under the lock: another command may be about to write its own journal.
        with repository_lock(start):
            plan = load(start)
            if plan is not None and plan.get("id") in kept:
                clear(start)


def keep_answer(root: Path, plan: dict) -> None:
    """The change of `plan` is made; keep its result until the answer is out (see answering),
    or, for a caller in this process that gets it returned, drop the journal now."""
    kept = _answering.get()
    if kept is None:
        clear(root)
        return
    save(root, {**plan, "made": True})
    kept.append(plan["id"])


def save(root: Path, plan: dict) -> None:
    path = journal_path(root)
    if path is not None:
        replace_file(path, json.dumps(plan, ensure_ascii=False, indent=1) + "\n")


def load(root: Path) -> dict | None:
    """The journal an interrupted command left, or None."""
    path = journal_path(root)
    if path is None:
        return None
    remove_leftovers(path)  # a journal being written when the command was killed: no change yet
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        plan = json.loads(text)
        if not isinstance(plan, dict) or not isinstance(plan.get("steps"), list):
            raise ValueError("not a journal")
    except ValueError:
        raise ScriptError(
            f"{path} is not a journal spec-kitty can read; look at it, then remove it and check "
            "`git status` for a change an interrupted command left"
        ) from None
    return plan


def clear(root: Path) -> None:
    path = journal_path(root)
    if path is not None:
        path.unlink(missing_ok=True)
