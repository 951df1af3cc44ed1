"""Every refusal names the fix: the command to run; and a stale worktree registration is
repaired rather than refused."""

import shutil

import pytest
from spec_kitty.jsonl import ScriptError
from spec_kitty.workflow.execution import implement, move_task
from spec_kitty.workflow.features import load_feature
from spec_kitty.workflow.planning import create_feature
from workflow_support import commits, git, queued, status


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
    worktree = root / ".worktrees" / f"{slug}-WP01"
    (worktree / "notes.txt").write_text("work\n")
    git(worktree, "add", "notes.txt")
    git(worktree, "commit", "-q", "-m", "Work")
    shutil.rmtree(worktree)  # registered with git all the same

    again = implement(root, load_feature(root, slug), "WP01", "me")

    assert again["started"] is False and again["worktree"] == started["worktree"]
    assert (worktree / "notes.txt").read_text() == "work\n"  # the branch's work is back


def test_a_deleted_worktree_git_keeps_locked_names_the_commands(planned):
    root, slug = planned
    implement(root, load_feature(root, slug), "WP01", "me")
    worktree = root / ".worktrees" / f"{slug}-WP01"
    git(root, "worktree", "lock", str(worktree))
    shutil.rmtree(worktree)

    with pytest.raises(ScriptError) as refused:
        implement(root, load_feature(root, slug), "WP01", "me")

    message = str(refused.value)
    assert f"git worktree unlock {worktree}` and `git worktree prune`" in message
    git(root, "worktree", "unlock", str(worktree))
    git(root, "worktree", "prune")
    assert implement(root, load_feature(root, slug), "WP01", "me")["started"] is False
    assert worktree.is_dir()


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
