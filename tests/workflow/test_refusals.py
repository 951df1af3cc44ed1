"""Every refusal names the fix: the line that is wrong and the form it should take, the command
to run; and a stale worktree registration is repaired rather than refused."""

import shutil

import pytest
from spec_kitty.jsonl import ScriptError
from spec_kitty.workflow.execution import implement, move_task
from spec_kitty.workflow.features import load_feature
from spec_kitty.workflow.planning import create_feature, finalize_tasks, setup_plan
from workflow_support import commits, git, queued, status, worktree, write


@pytest.fixture
def planning(project) -> tuple:
    """`project` with feature 001-checkout-flow up to its plan, tasks.md not yet written."""
    slug = create_feature(project, "Checkout flow", None)["feature"]
    setup_plan(project, load_feature(project, slug))
    return project, slug


def finalize_refused(root, slug, tasks_md: str) -> str:
    write(root, f"kitty-specs/{slug}/tasks.md", tasks_md)
    with pytest.raises(ScriptError) as refused:
        finalize_tasks(root, load_feature(root, slug))
    assert not (root / "kitty-specs" / slug / "tasks").exists()
    return str(refused.value)


def test_a_heading_with_a_one_digit_id_is_named_with_the_form_it_should_take(planning):
    root, slug = planning
    message = finalize_refused(root, slug, "# Tasks\n\n## WP1: Cart API\n- [ ] T001 Cart\n")
    assert message.endswith(
        "tasks.md line 3: `## WP1: Cart API` is not read as a work package heading; "
        "write it as `## WP01: Cart API`"
    )


def test_a_near_miss_beside_good_sections_is_named_not_dropped(planning):
    root, slug = planning
    text = "## WP01: Cart\n- [ ] T001 Cart\n\n### Work package 2 - Pay\n- [ ] T002 Pay\n"
    message = finalize_refused(root, slug, text)
    assert "line 4: `### Work package 2 - Pay`" in message
    assert "write it as `### WP02: Pay`" in message


def test_work_packages_written_without_headings_are_named(planning):
    root, slug = planning
    message = finalize_refused(root, slug, "**WP01: Cart**\n- [ ] T001 Cart\n- WP02: Pay\n")
    assert "line 1: `**WP01: Cart**` is not read as a work package heading" in message
    assert "write it as `## WP01: Cart` (1 more line(s) like it)" in message


def test_a_subtask_id_used_twice_is_refused_with_both_lines_and_a_free_id(planning):
    root, slug = planning
    text = "## WP01: Cart\n- [ ] T001 Cart\n- [ ] T002 Items\n\n## WP02: Pay\n- [ ] T001 Pay\n"
    message = finalize_refused(root, slug, text)
    assert message.endswith(
        "tasks.md line 6: subtask T001 of WP02 is already listed for WP01 at line 2; give each "
        "subtask an id of its own (the next free one is T003)"
    )


def test_without_a_git_identity_the_two_config_commands_are_named(project, monkeypatch):
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.delenv(f"GIT_{who}_NAME")
        monkeypatch.delenv(f"GIT_{who}_EMAIL")
    git(project, "config", "user.useConfigOnly", "true")  # no guess from the host name

    with pytest.raises(ScriptError) as refused:
        create_feature(project, "Checkout flow", None)

    message = str(refused.value)
    assert 'git config user.email "you@example.com"' in message
    assert 'git config user.name "Your Name"' in message
    assert status(project) == ""
    assert queued() == []


def test_a_git_lock_left_behind_is_named_with_what_to_do(planned):
    root, slug = planned
    lock = root / ".git" / "index.lock"
    lock.write_text("")
    before = commits(root)

    with pytest.raises(ScriptError) as refused:
        move_task(root, load_feature(root, slug), "WP01", "claimed", "me")

    assert f"remove {lock} and run the command again" in str(refused.value)
    assert commits(root) == before and status(root) == ""
    lock.unlink()
    assert move_task(root, load_feature(root, slug), "WP01", "claimed", "me")["committed"]


def test_a_deleted_worktree_folder_is_made_again(planned):
    root, slug = planned
    started = implement(root, load_feature(root, slug), "WP01", "me")
    tree = worktree(root, slug, "WP01")
    (tree / "notes.txt").write_text("work\n")
    git(tree, "add", "notes.txt")
    git(tree, "commit", "-q", "-m", "Work")
    shutil.rmtree(tree)  # registered with git all the same

    again = implement(root, load_feature(root, slug), "WP01", "me")

    assert again["started"] is False and again["worktree"] == started["worktree"]
    assert (tree / "notes.txt").read_text() == "work\n"  # the branch's work is back


def test_a_deleted_worktree_git_keeps_locked_names_the_commands(planned):
    root, slug = planned
    implement(root, load_feature(root, slug), "WP01", "me")
    tree = worktree(root, slug, "WP01")
    git(root, "worktree", "lock", str(tree))
    shutil.rmtree(tree)

    with pytest.raises(ScriptError) as refused:
        implement(root, load_feature(root, slug), "WP01", "me")

    message = str(refused.value)
    assert f"git worktree unlock {tree}` and `git worktree prune`" in message
    git(root, "worktree", "unlock", str(tree))
    git(root, "worktree", "prune")
    assert implement(root, load_feature(root, slug), "WP01", "me")["started"] is False
    assert tree.is_dir()


def test_an_unreadable_journal_is_named(planned):
    root, slug = planned
    journal = root / ".git" / "spec-kitty-journal.json"
    journal.write_text("{half")

    with pytest.raises(ScriptError, match=f"{journal} is not a journal spec-kitty can read"):
        move_task(root, load_feature(root, slug), "WP01", "claimed", "me")


def test_a_feature_created_without_commit_is_announced_once(project):
    create_feature(project, "Checkout flow", None, commit=False)
    finished = create_feature(project, "Checkout flow", None)

    assert finished["feature"] == "001-checkout-flow" and finished["committed"] is True
    assert len(queued("FeatureCreated")) == 1
