"""Git's output is read in English whatever language the user's git speaks."""

import json
import subprocess

import pytest
from spec_kitty.workflow import git
from workflow_support import commits, write

# A locale under which a git with translations installed answers in German.
GERMAN = {"LANG": "de_DE.UTF-8", "LC_ALL": "C.UTF-8", "LANGUAGE": "de"}


@pytest.fixture
def german(monkeypatch):
    for name, value in GERMAN.items():
        monkeypatch.setenv(name, value)


def test_every_git_call_runs_with_lc_all_c(repo, german):
    done = git.run(repo, "-c", "alias.locale=!printenv LC_ALL LANGUAGE", "locale")
    assert done.stdout.split() == ["C", "de"]


def test_nothing_to_commit_is_recognised_when_git_speaks_german(repo, german):
    speaks = subprocess.run(["git", "status"], cwd=repo.parent, capture_output=True, text=True)
    if "not a git repository" in speaks.stderr:
        pytest.skip("this git has no German translation installed")
    path = write(repo, "notes.md", "kept\n")
    assert git.commit_paths(repo, [path], "add notes")
    assert not git.commit_paths(repo, [path], "add notes again")
    assert commits(repo)[0] == "add notes"


def test_init_run_twice_in_a_german_locale(script, repo):
    first = script("spec-kitty", "init", "--json", cwd=repo, env=GERMAN)
    second = script("spec-kitty", "init", "--json", cwd=repo, env=GERMAN)
    assert first.returncode == 0, first.stderr.decode()
    assert second.returncode == 0, second.stderr.decode()
    assert json.loads(second.stdout)["created"] is False


@pytest.mark.parametrize("first", [False, True], ids=["on-a-branch", "first-commit"])
@pytest.mark.parametrize("size", [2, git.LARGE_COMMIT], ids=["small", "large"])
def test_a_commit_holds_exactly_its_paths_whatever_else_is_staged(tmp_path, first, size):
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    if not first:
        subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", "start"], cwd=repo)
    staged = write(repo, "user's work [draft].md", "staged by the user\n")
    subprocess.run(["git", "add", "--", staged.name], cwd=repo, check=True)
    ours = [write(repo, "kitty-specs/a*.md", "a" * size), write(repo, "kitty-specs/b.md", "b\n")]

    assert git.commit_paths(repo, ours, "ours")

    shown = git.git(repo, "show", "--name-only", "--format=", "HEAD").split("\n")
    assert sorted(filter(None, shown)) == ["kitty-specs/a*.md", "kitty-specs/b.md"]
    assert git.git(repo, "diff", "--cached", "--name-only") == "user's work [draft].md\n"
    # With nothing else staged, the same holds.
    subprocess.run(["git", "reset", "-q"], cwd=repo, check=True)
    ours[1].write_text("b again\n")
    assert git.commit_paths(repo, ours, "ours again")
    assert git.git(repo, "show", "--name-only", "--format=", "HEAD") == "kitty-specs/b.md\n"
    assert not git.commit_paths(repo, ours, "nothing new")


def test_head_commit_read_from_files_is_what_git_says_in_every_state(tmp_path):
    def check(root):
        assert git.head_commit(root) == git.rev_parse(root, "HEAD")

    root = tmp_path / "repo"
    root.mkdir()
    git.git(root, "init", "-q", "-b", "main")
    check(root)  # no commit yet
    assert git.head_commit(root) is None
    git.git(root, "commit", "-q", "--allow-empty", "-m", "one")
    check(root)  # a loose ref
    git.git(root, "pack-refs", "--all")
    check(root)  # a packed ref
    git.git(root, "commit", "-q", "--allow-empty", "-m", "two")
    check(root)  # loose again, beside the packed one
    git.git(root, "worktree", "add", "-q", "-b", "side", str(tmp_path / "side"))
    git.git(tmp_path / "side", "commit", "-q", "--allow-empty", "-m", "three")
    check(tmp_path / "side")  # a linked worktree: its own HEAD, the shared refs
    check(root)
    git.git(root, "checkout", "-q", "--detach", "HEAD~1")
    check(root)  # detached
    git.git(root, "symbolic-ref", "HEAD", "refs/heads/alias")
    (root / ".git" / "refs" / "heads" / "alias").write_text("ref: refs/heads/side\n")
    check(root)  # a symbolic ref behind HEAD


def test_a_large_file_is_committed_with_a_stat_git_can_trust(tmp_path):
    """git re-reads a file whose time is the same second as its index ("racy git") at every
    commit; a long status log committed by a command is not left so."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git.git(repo, "init", "-q", "-b", "main")
    log = write(repo, "kitty-specs/001-x/status.events.jsonl", "{}\n" * git.LARGE_COMMIT)

    assert git.commit_paths(repo, [log], "the log")

    listed = git.git(repo, "ls-files", "--debug", "--", str(log.relative_to(repo)))
    recorded = int(listed.split("mtime: ")[1].split(":")[0])
    # git's own rule: an entry is racy unless its time is before the index's, in seconds.
    assert recorded < int((repo / ".git" / "index").stat().st_mtime)
    assert git.git(repo, "status", "--porcelain") == ""
    assert git.git(repo, "show", f"HEAD:{log.relative_to(repo)}") == log.read_text()
