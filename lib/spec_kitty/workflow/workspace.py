"""Where a command runs: the project root in the main checkout, the feature, the branch.

A command run inside a WP worktree acts on the main checkout (where the status log and the
commits live) and, unless told otherwise, on that worktree's feature.
"""

from dataclasses import dataclass
from pathlib import Path

from spec_kitty.jsonl import ScriptError
from spec_kitty.workflow import git
from spec_kitty.workflow.features import Feature, branch_feature, select_feature


@dataclass
class Workspace:
    root: Path  # the project root in the main checkout
    here_feature: str | None  # the feature of the WP worktree the command was run in, if any


def open_workspace(start: Path | None = None) -> Workspace:
    """The workspace around `start`; a project not yet migrated is told once that it can be."""
    from spec_kitty.project import find_root
    from spec_kitty.runtime.notice import tell_if_unmigrated

    found = find_root(start)
    root = git.main_checkout(found)
    tell_if_unmigrated(root)
    hint = branch_feature(git.current_branch(found)) if root != found else None
    return Workspace(root, hint)


def choose_feature(workspace: Workspace, given: str | None, command: str) -> Feature:
    return select_feature(workspace.root, given, command, workspace.here_feature)


def check_target_branch(root: Path, feature: Feature) -> str:
    """The branch commits go to: the feature's target branch, which must be checked out."""
    current = git.current_branch(root)
    target = feature.target_branch or current
    if current is None or current != target:
        raise ScriptError(
            f"feature {feature.slug} commits to its target branch {target or '(unknown)'}, but "
            f"{root} has {current or 'a detached HEAD'} checked out; run `git checkout {target}` "
            "there, or pass --no-commit"
        )
    return target
