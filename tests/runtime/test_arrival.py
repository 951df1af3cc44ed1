"""A project spec-kitty 1.x set up, taken through `spec-kitty migrate` as its user would."""

import json

import pytest
import yaml
from kittify_project import (
    CONFIG_1X,
    CUSTOM_PLAN,
    EXPECTED_ACTIONS,
    write_legacy_project,
)
from kitty_testing import commits, git, json_lines, queued, status, worktree, write
from spec_kitty.runtime.legacy import LEGACY, MIGRATED, project_state

MIGRATE_NOTE = b"`spec-kitty migrate` removes its unmodified copies"


@pytest.fixture
def legacy_repo(tmp_path):
    """A 1.x project committed in git on main, as a user's repository holds it."""
    root = write_legacy_project(tmp_path / "frank")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Project as spec-kitty 1.x left it")
    return root


def test_migrate_is_one_commit_that_leaves_the_tree_clean_and_gives_an_identity(
    script, legacy_repo
):
    done = script("spec-kitty", "migrate", cwd=legacy_repo)

    assert done.returncode == 0, done.stderr
    assert commits(legacy_repo)[0].startswith("Move .kittify/ onto the global runtime: ")
    assert len(commits(legacy_repo)) == 2
    assert status(legacy_repo) == ""
    config = (legacy_repo / ".kittify/config.yaml").read_text()
    assert config.startswith(CONFIG_1X)
    parsed = yaml.safe_load(config)
    assert parsed["vcs"] == {"type": "git"} and parsed["agents"] == {"available": ["claude"]}
    assert parsed["project"]["slug"] == "frank" and len(parsed["project"]["uuid"]) == 36
    assert ".worktrees/" in (legacy_repo / ".gitignore").read_text().splitlines()
    changed = set(git(legacy_repo, "show", "--name-only", "--format=", "HEAD").split())
    assert {".kittify/config.yaml", ".gitignore", ".kittify/runtime.json"} <= changed
    removed = {path for path, action in EXPECTED_ACTIONS.items() if action == "remove-identical"}
    assert removed <= changed
    assert b"committed" in done.stderr

    again = script("spec-kitty", "migrate", cwd=legacy_repo)
    assert again.returncode == 0
    assert b"already migrated; nothing to change" in again.stderr
    assert len(commits(legacy_repo)) == 2 and status(legacy_repo) == ""


def test_after_migrate_a_feature_is_planned_from_the_users_template_and_queued_quietly(
    script, legacy_repo
):
    assert script("spec-kitty", "migrate", cwd=legacy_repo).returncode == 0

    created = script("spec-kitty", "create-feature", "Checkout flow", cwd=legacy_repo)
    planned = script("spec-kitty", "setup-plan", cwd=legacy_repo)

    assert created.returncode == 0 and planned.returncode == 0, created.stderr + planned.stderr
    assert created.stderr == b"" and planned.stderr == b""
    plan = (legacy_repo / "kitty-specs/001-checkout-flow/plan.md").read_text()
    assert plan.startswith(
        CUSTOM_PLAN.splitlines()[0].replace("{{ feature_name }}", "Checkout flow")
    )
    assert "Our house style" in plan
    project = yaml.safe_load((legacy_repo / ".kittify/config.yaml").read_text())["project"]
    created_events = queued("FeatureCreated")
    assert [e["project_uuid"] for e in created_events] == [project["uuid"]]
    assert status(legacy_repo) == ""


def test_after_migrate_a_work_package_checkout_leaves_the_tree_clean(script, legacy_repo):
    assert script("spec-kitty", "migrate", cwd=legacy_repo).returncode == 0
    assert script("spec-kitty", "create-feature", "Checkout", cwd=legacy_repo).returncode == 0
    write(
        legacy_repo,
        "kitty-specs/001-checkout/tasks.md",
        "## WP01: Cart\nDepends on: none\n\n- [ ] T001 Cart endpoints\n",
    )
    assert script("spec-kitty", "finalize-tasks", cwd=legacy_repo).returncode == 0

    done = script("spec-kitty", "implement", "WP01", cwd=legacy_repo)

    assert done.returncode == 0, done.stderr
    assert worktree(legacy_repo, "001-checkout", "WP01").is_dir()
    assert status(legacy_repo) == ""


def test_no_commit_changes_the_files_and_leaves_committing_to_the_user(script, legacy_repo):
    done = script("spec-kitty", "migrate", "--no-commit", "--json", cwd=legacy_repo)

    assert done.returncode == 0, done.stderr
    assert len(commits(legacy_repo)) == 1
    assert project_state(legacy_repo) == MIGRATED
    assert status(legacy_repo) != ""
    assert b"not committed (--no-commit)" in done.stderr
    assert {r["action"] for r in json_lines(done.stdout)} >= {"add-identity", "ignore-worktrees"}


def test_dry_run_lists_every_file_with_its_origin_and_changes_nothing(script, legacy_repo):
    done = script("spec-kitty", "migrate", "--dry-run", cwd=legacy_repo)

    assert done.returncode == 0, done.stderr
    lines = done.stdout.decode().splitlines()
    by_path = {line.split()[-1]: line for line in lines if "(" not in line}
    assert by_path[".kittify/missions/software-dev/mission.yaml"].split()[:3] == [
        "remove",
        "toolkit",
        "default",
    ]
    assert by_path[".kittify/templates/house-style.md"].split()[:2] == ["keep", "project-only"]
    assert any(line.startswith("edit") and ".kittify/config.yaml" in line for line in lines)
    assert status(legacy_repo) == "" and project_state(legacy_repo) == LEGACY


def test_an_unmigrated_project_is_told_once_about_migrate_and_keeps_working(script, legacy_repo):
    done = script("spec-kitty", "create-feature", "Checkout", cwd=legacy_repo)

    assert done.returncode == 0, done.stderr
    assert done.stderr.count(MIGRATE_NOTE) == 1
    assert b"spec-kitty migrate --dry-run" in done.stderr
    assert (legacy_repo / "kitty-specs/001-checkout/spec.md").is_file()
    assert project_state(legacy_repo) == LEGACY

    board = script("spec-kitty", "board", "--json", cwd=legacy_repo)
    assert board.returncode == 0 and board.stderr.count(MIGRATE_NOTE) == 1
    json.loads(board.stdout)


def test_init_gives_a_1x_config_its_identity_instead_of_refusing(script, legacy_repo):
    done = script("spec-kitty", "init", "--json", cwd=legacy_repo)

    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    config = (legacy_repo / ".kittify/config.yaml").read_text()
    assert config.startswith(CONFIG_1X)
    assert yaml.safe_load(config)["project"] == {
        "uuid": result["project_uuid"],
        "slug": result["project_slug"],
    }
    assert result["created"] is True
    assert done.stderr.count(MIGRATE_NOTE) == 1
    assert project_state(legacy_repo) == LEGACY
    assert status(legacy_repo) == ""
