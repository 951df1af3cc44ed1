"""Changeset.write replaces a file whole: no temporary file left behind, the file's mode kept;
and a change another command left unfinished is never overwritten."""

import os

import pytest
from spec_kitty.jsonl import ScriptError
from spec_kitty.workflow.changeset import Changeset


def test_text_that_cannot_be_written_leaves_the_file_and_no_temporary(repo):
    spec = repo / "spec.md"
    spec.write_text("# Spec\n")

    # A name taken from undecodable command-line bytes carries a lone surrogate.
    with pytest.raises(UnicodeEncodeError), Changeset(repo) as changes:
        changes.write(spec, "# Spec for caf\udce9\n")

    assert spec.read_text() == "# Spec\n"
    assert sorted(os.listdir(repo)) == [".git", "spec.md"]


def test_a_replaced_file_keeps_its_mode_and_a_new_one_follows_the_umask(repo):
    kept = repo / "kept.md"
    kept.write_text("old\n")
    kept.chmod(0o640)
    umask = os.umask(0o022)
    os.umask(umask)

    with Changeset(repo) as changes:
        changes.write(kept, "new\n")
        changes.write(repo / "new.md", "new\n")
        changes.commit("Write", enabled=False)

    assert (kept.read_text(), kept.stat().st_mode & 0o777) == ("new\n", 0o640)
    assert (repo / "new.md").stat().st_mode & 0o777 == 0o666 & ~umask


def test_temporaries_a_killed_command_left_beside_its_files_are_removed(repo):
    spec = repo / "spec.md"
    spec.write_text("# Spec\n")
    leftovers = [repo / ".spec.md.k1ll3d.tmp", repo / ".meta.json.k1ll3d.tmp"]
    for leftover in leftovers:
        leftover.write_text("half")
    unrelated = repo / ".notes.md.swp"
    unrelated.write_text("editor")

    with Changeset(repo) as changes:
        changes.track(spec)
        changes.write(repo / "meta.json", "{}\n")
        changes.commit("Write", enabled=False)

    assert not any(leftover.exists() for leftover in leftovers)
    assert unrelated.exists()


def test_a_change_left_unfinished_is_not_overwritten_by_another(repo):
    from spec_kitty.workflow import journal

    with Changeset(repo) as first:
        first.write(repo / "first.md", "first\n")
        left = {"steps": first.steps, "message": "First change", "root": str(repo)}
    journal.save(repo, left)  # as a command killed mid-change leaves it

    with pytest.raises(ScriptError, match=r"left its change \(First change\) unfinished"):
        with Changeset(repo) as second:
            second.write(repo / "second.md", "second\n")
            second.commit("Second change")

    assert journal.load(repo)["message"] == "First change"
    assert not (repo / "second.md").exists()
