"""The git operations the workflow needs, each one subprocess call (they cost a few ms each).

HEAD and the worktree link are read from files, which needs no subprocess at all.
"""

import os
import re
import subprocess
import time
from pathlib import Path

from spec_kitty.jsonl import ScriptError


class GitError(ScriptError):
    """A git command failed; the message carries git's own words."""


def run(root: Path, *args: str) -> subprocess.CompletedProcess:
    """Run `git args` in `root`, whatever its exit code; every git call goes through here.

    LC_ALL=C keeps git's messages in English: some are matched ("nothing to commit"), and a user
    whose git speaks another language would otherwise see a commit with no changes fail.
    """
    try:
        return subprocess.run(
            ["git", *args],
            cwd=root,
            capture_output=True,
            text=True,
            env={**os.environ, "LC_ALL": "C"},
        )
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH") from None


def git(root: Path, *args: str) -> str:
    """Run `git args` in `root` and return its stdout; GitError with git's message on failure."""
    done = run(root, *args)
    if done.returncode != 0:
        raise GitError(f"git {args[0]} failed: {_message(done.stderr or done.stdout)}")
    return done.stdout


def _message(output: str) -> str:
    """git's fatal line (it names the file or ref at fault) and what to do about it: our words
    for the failures a user meets in the workflow, else git's last line."""
    lines = output.strip().splitlines()
    if not lines:
        return "no message"
    fatal = next((line for line in lines if line.startswith(("fatal:", "error:"))), lines[-1])
    fix = _fix(output)
    if fix:
        return f"{fatal} ({fix})"
    return fatal if fatal == lines[-1] else f"{fatal} ... {lines[-1]}"


_LOCKED = re.compile(r"Unable to create '(.+?\.lock)': File exists")
_STALE_LOCKED = re.compile(r"'(.+?)' is a missing but locked worktree")
_CHECKED_OUT = re.compile(r"'(.+?)' is already (?:checked out|used by worktree) at '(.+?)'")


def _fix(output: str) -> str | None:
    """The command that gets the user past a git failure, where there is one to name."""
    if "Please tell me who you are" in output:
        return (
            'git does not know who you are; run `git config user.email "you@example.com"` '
            'and `git config user.name "Your Name"` (with --global for all your '
            "repositories), then run the command again"
        )
    if found := _LOCKED.search(output):
        return (
            "another git command is running here, in a slow hook perhaps, or one was killed; "
            f"once none is running, remove {found.group(1)} and run the command again"
        )
    if found := _STALE_LOCKED.search(output):
        return (
            f"its folder is gone but git keeps it locked; run `git worktree unlock "
            f"{found.group(1)}` and `git worktree prune`, then the command again"
        )
    if found := _CHECKED_OUT.search(output):
        return (
            f"branch {found.group(1)} is checked out in {found.group(2)}; work there, or run "
            f"`git worktree remove {found.group(2)}` first"
        )
    return None


def top_level(path: Path) -> Path:
    """The top of the checkout holding `path` (the nearest directory with a `.git`)."""
    for candidate in (path, *path.parents):
        if (candidate / ".git").exists():
            return candidate
    raise GitError(f"{path} is not inside a git repository; run `git init` first")


def git_dir(path: Path) -> Path:
    """The git directory of the checkout holding `path` (a linked worktree's own one)."""
    top = top_level(path)
    dot_git = top / ".git"
    if dot_git.is_dir():
        return dot_git
    text = dot_git.read_text().strip()
    if not text.startswith("gitdir:"):
        raise GitError(f"{dot_git} is neither a git directory nor a gitdir link")
    linked = Path(text.removeprefix("gitdir:").strip())
    return linked if linked.is_absolute() else (top / linked).resolve()


def common_dir(path: Path) -> Path:
    """The git directory every worktree of the repository shares (refs, hooks, config)."""
    own = git_dir(path)
    if (own / "commondir").is_file():
        return (own / (own / "commondir").read_text().strip()).resolve()
    return own


def main_checkout(path: Path) -> Path:
    """`path` itself, or for a path inside a linked worktree the same place in the main checkout.

    Agents work inside `.worktrees/...`, but the status log and every commit belong to the main
    checkout, so commands run there.
    """
    top = top_level(path)
    own = git_dir(top)
    if own == top / ".git":
        return path
    # A linked worktree's git dir is <main top>/.git/worktrees/<name>.
    return own.parent.parent.parent / path.relative_to(top)


def current_branch(root: Path) -> str | None:
    """The branch checked out at `root`, or None when HEAD is detached."""
    head = (git_dir(root) / "HEAD").read_text().strip()
    prefix = "ref: refs/heads/"
    return head[len(prefix) :] if head.startswith(prefix) else None


def local_branches(root: Path) -> list[str]:
    """Local branch names, read from the ref files (git itself only for the reftable format)."""
    common = common_dir(root)
    if (common / "reftable").exists():
        return git(root, "for-each-ref", "--format=%(refname:short)", "refs/heads").split()
    heads = common / "refs" / "heads"
    names = {str(p.relative_to(heads)) for p in heads.rglob("*") if p.is_file()}
    names.update(
        ref[len("refs/heads/") :] for ref in _packed_refs(common) if ref.startswith("refs/heads/")
    )
    return sorted(names)


def _packed_refs(common: Path) -> dict[str, str]:
    """The refs git packed into one file: name -> commit (its header and peeled tag lines,
    which name no ref, left out)."""
    packed = common / "packed-refs"
    if not packed.is_file():
        return {}
    refs = {}
    for line in packed.read_text().splitlines():
        commit, _, name = line.partition(" ")
        if name and not line.startswith("#"):
            refs[name] = commit
    return refs


# How git says a commit would hold no change (with paths, and without them with untracked files).
NOTHING_TO_COMMIT = ("nothing to commit", "no changes added to commit", "nothing added to commit")


def commit_paths(root: Path, paths: list[Path], message: str) -> bool:
    """One commit of exactly `paths` (added, changed or removed), whatever else is staged.

    Returns False, committing nothing, when those paths hold no change. A path that is gone and
    was never tracked (a removed file git did not know) is no change, and left out.
    """
    relative = [str(p.relative_to(root)) for p in paths]
    gone = [rel for rel, path in zip(relative, paths, strict=True) if not path.exists()]
    if gone:
        tracked = set(git(root, "ls-files", "-z", "--", *gone).split("\0"))
        relative = [rel for rel in relative if rel not in gone or rel in tracked]
        if not relative:
            return False
    _settle_large(paths)
    git(root, "add", "-A", "--", *relative)
    done = run(root, "commit", "-q", "-m", message, *_commit_scope(root, paths, relative))
    if done.returncode == 0:
        return True
    output = (done.stderr + done.stdout).strip()
    if any(nothing in output for nothing in NOTHING_TO_COMMIT):
        return False
    unstage(root, relative)
    raise GitError(f"git commit failed: {_message(output)}")


# Above this many bytes a second read of the files costs git more than a process to avoid it.
LARGE_COMMIT = 1 << 20


def _settle_large(paths: list[Path]) -> None:
    """Date each large file a moment back, so that git trusts the stat it records at `add`.

    git cannot tell a change from the same second as its index apart from none ("racy git"), so
    `commit` would read such a file whole again: a long status log hashed twice. These files were
    written by this command under the repository lock; a later change of one gets a newer time,
    which git sees.
    """
    settled = time.time() - 2
    for path in paths:
        if path.is_file():
            info = path.stat()
            if info.st_size >= LARGE_COMMIT and info.st_mtime > settled:
                os.utime(path, (info.st_atime, settled))


def _commit_scope(root: Path, paths: list[Path], relative: list[str]) -> list[str]:
    """What `git commit` is told to commit: `-- paths`, which has git read every file again, or,
    for large files (a long status log) when nothing else is staged, nothing: the index whole."""
    size = sum(path.stat().st_size for path in paths if path.is_file())
    if size < LARGE_COMMIT:
        return ["--", *relative]
    others = [f":(exclude,literal){rel}" for rel in relative]
    alone = run(root, "diff", "--cached", "--quiet", "--", ".", *others).returncode == 0
    return [] if alone else ["--", *relative]


def unstage(root: Path, relative: list[str]) -> None:
    """Put the index for `relative` back to HEAD (or out of it, before the first commit)."""
    if run(root, "rev-parse", "-q", "--verify", "HEAD").returncode == 0:
        run(root, "reset", "-q", "--", *relative)
    else:
        run(root, "rm", "-q", "--cached", "-r", "--ignore-unmatch", "--", *relative)


def head_commit(root: Path) -> str | None:
    """The commit HEAD is at, or None before the first one: read from the ref files like
    current_branch, a git process fewer for every workflow command (git itself answers for the
    reftable format and for a ref that is itself symbolic)."""
    head = (git_dir(root) / "HEAD").read_text().strip()
    if not head.startswith("ref: "):
        return head or None  # detached: the commit itself
    ref = head.removeprefix("ref: ")
    common = common_dir(root)
    if (common / "reftable").exists():
        return rev_parse(root, "HEAD")
    loose = common / ref
    if loose.is_file():
        value = loose.read_text().strip()
        return rev_parse(root, "HEAD") if value.startswith("ref:") else value or None
    return _packed_refs(common).get(ref)


def rev_parse(root: Path, ref: str) -> str | None:
    done = run(root, "rev-parse", "-q", "--verify", f"{ref}^{{commit}}")
    return done.stdout.strip() if done.returncode == 0 else None


def commits_between(root: Path, base: str, tip: str) -> int:
    """How many commits `tip` has that `base` has not."""
    return int(git(root, "rev-list", "--count", f"{base}..{tip}").strip())


def is_ancestor(root: Path, commit: str, of: str) -> bool:
    return run(root, "merge-base", "--is-ancestor", commit, of).returncode == 0


def add_worktree(root: Path, path: Path, branch: str, base: str | None) -> None:
    """A worktree at `path` on a new `branch` from `base`, or on the existing `branch` if None.

    A registration whose folder was deleted by hand would make git refuse the path; such stale
    registrations are pruned first (git prunes them in time anyway; a locked one is kept)."""
    if not path.exists():
        git(root, "worktree", "prune")
    if base is None:
        git(root, "worktree", "add", "-q", str(path), branch)
    else:
        git(root, "worktree", "add", "-q", "-b", branch, str(path), base)


def remove_worktree(root: Path, path: Path, branch: str | None) -> None:
    """Undo `add_worktree`: the worktree, and the branch when it was made for it."""
    run(root, "worktree", "remove", "--force", str(path))
    if branch:
        run(root, "branch", "-q", "-D", branch)
