"""Changeset.write replaces a file whole: no temporary file left behind, the file's mode kept."""

import os

import pytest
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
