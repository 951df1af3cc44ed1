"""Workflow test fixtures: a git repository made a spec-kitty project, with a feature planned."""

from pathlib import Path

import pytest
from workflow_support import TASKS_MD, git, write


@pytest.fixture
def repo(tmp_path) -> Path:
    """An empty git repository on branch main with one commit."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "commit", "-q", "--allow-empty", "-m", "initial commit")
    return root


@pytest.fixture
def project(repo, monkeypatch) -> Path:
    """`repo` after `spec-kitty init`, as the current directory."""
    from spec_kitty.workflow.init import init_project

    init_project(repo)
    monkeypatch.chdir(repo)
    return repo


@pytest.fixture
def planned(project) -> tuple[Path, str]:
    """`project` with feature 001-checkout-flow planned: spec, plan, tasks.md, 3 WP files."""
    from spec_kitty.workflow.features import load_feature
    from spec_kitty.workflow.planning import create_feature, finalize_tasks, setup_plan

    slug = create_feature(project, "Checkout flow", None)["feature"]
    setup_plan(project, load_feature(project, slug))
    write(project, f"kitty-specs/{slug}/tasks.md", TASKS_MD)
    finalize_tasks(project, load_feature(project, slug))
    return project, slug
