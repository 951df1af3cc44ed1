import os

import pytest
from spec_kitty.atomic import replace_file


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
