"""Where a command runs and what a feature's work packages look like right now.

A work package's lane is the status log's when the log has it; otherwise it is what the files
state (lane folder, else frontmatter), which is how features from releases before the log are
read as they are.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from spec_kitty.jsonl import ScriptError
from spec_kitty.workflow import git, status_log
from spec_kitty.workflow.features import Feature, select_feature
from spec_kitty.workflow.tasks_md import TaskSection, parse_tasks_md
from spec_kitty.workflow.wp_files import WorkPackage, read_work_packages

_WP_BRANCH = re.compile(r"(\d{3}-.+)-WP\d{2}")


@dataclass
class Workspace:
    root: Path  # the project root in the main checkout
    here_feature: str | None  # the feature of the WP worktree the command was run in, if any


def open_workspace(start: Path | None = None) -> Workspace:
    from spec_kitty.project import NotAProject, find_root

    try:
        found = find_root(start)
    except NotAProject as exc:
        raise ScriptError(str(exc)) from None
    root = git.main_checkout(found)
    hint = None
    if root != found:
        match = _WP_BRANCH.fullmatch(git.current_branch(found) or "")
        hint = match.group(1) if match else None
    return Workspace(root, hint)


def choose_feature(workspace: Workspace, given: str | None, command: str) -> Feature:
    return select_feature(workspace.root, given, command, workspace.here_feature)


@dataclass
class FeatureState:
    feature: Feature
    sections: list[TaskSection]
    packages: dict[str, WorkPackage]
    events: list[dict]

    @property
    def logged(self) -> dict[str, str]:
        return status_log.lanes(self.events)

    def lanes(self) -> dict[str, str]:
        """Every work package's canonical lane (the log's, else what its files state)."""
        logged = self.logged
        return {wp: logged.get(wp, pkg.stated_lane) for wp, pkg in self.packages.items()}

    def package(self, wp_id: str) -> WorkPackage:
        try:
            return self.packages[wp_id]
        except KeyError:
            known = ", ".join(self.packages) or "none (run `spec-kitty finalize-tasks`)"
            raise ScriptError(
                f"no work package {wp_id} in feature {self.feature.slug} (work packages: {known})"
            ) from None

    def dependents(self, wp_id: str) -> list[str]:
        return [wp for wp, pkg in self.packages.items() if wp_id in pkg.dependencies]


def load_state(feature: Feature) -> FeatureState:
    tasks_md = feature.directory / "tasks.md"
    sections = (
        parse_tasks_md(tasks_md.read_text(encoding="utf-8"), str(tasks_md))
        if tasks_md.is_file()
        else []
    )
    packages = read_work_packages(feature.directory, sections)
    return FeatureState(feature, sections, packages, status_log.read_log(feature.log_path))


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
