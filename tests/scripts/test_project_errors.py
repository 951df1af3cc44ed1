"""A project whose config cannot be read is one clear line, never a traceback."""

import subprocess

from kitty_testing import run_script


def test_an_unreadable_project_config_is_one_line_for_every_command(tmp_path):
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / ".kittify").mkdir()
    (tmp_path / ".kittify" / "config.yaml").write_text("project: [\n")
    for argv in (["spec-kitty", "create-feature", "X"], ["spec-kitty", "queue-backfill"]):
        done = run_script(*argv, cwd=tmp_path)
        assert done.returncode == 2
        lines = done.stderr.decode().strip().splitlines()
        assert len(lines) == 1, lines
        assert "config.yaml is not valid YAML (line 2:" in lines[0]
