import os

import pytest
from spec_kitty.atomic import remove_leftovers, replace_file


def test_replaces_the_whole_file_with_the_mode_asked(tmp_path):
    target = tmp_path / "d" / "state.json"
    target.parent.mkdir()
    target.write_text("old")
    replace_file(target, '{"new": true}', mode=0o600)
    assert target.read_text() == '{"new": true}'
    assert target.stat().st_mode & 0o777 == 0o600
    assert os.listdir(target.parent) == ["state.json"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "d" / "state.json"
    target.parent.mkdir()
    target.write_text("old")
    with pytest.raises(TypeError):
        replace_file(target, {"not": "bytes"})
    assert target.read_text() == "old"
    assert os.listdir(target.parent) == ["state.json"]


def test_leftovers_of_a_killed_writer_go_and_nothing_else(tmp_path):
    folder = tmp_path / "tasks"
    folder.mkdir()
    target = folder / "WP01 [draft].md"
    leftovers = [f".{target.name}.{tag}.tmp" for tag in ("1a2b3c", "x")]
    kept = [f".{target.name}.tmp", ".other.md.1a2b3c.tmp", target.name, f"{target.name}.tmp"]
    for name in leftovers + kept:
        (folder / name).write_text("partial")

    remove_leftovers(target)

    assert sorted(p.name for p in folder.iterdir()) == sorted(kept)
    remove_leftovers(tmp_path / "missing-folder" / "file")  # nothing to do, no error
