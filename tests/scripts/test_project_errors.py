"""A project whose config cannot be read is one clear line, never a traceback."""

import subprocess

from kitty_testing import run_installed


def test_an_unreadable_project_config_is_one_line_for_every_command(tmp_path):
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / ".kittify").mkdir()
    (tmp_path / ".kittify" / "config.yaml").write_text("project: [\n")
    for argv in (["spec-kitty", "create-feature", "X"], ["spec-kitty", "queue-backfill"]):
        done = run_installed(*argv, cwd=tmp_path)
        assert done.returncode == 2
        lines = done.stderr.decode().strip().splitlines()
        assert len(lines) == 1, lines
        assert "config.yaml is not valid YAML (line 2:" in lines[0]


def test_a_home_that_is_a_file_is_one_line_naming_it(tmp_path):
    home = tmp_path / "not-a-folder"
    home.write_text("")
    env = {"SPEC_KITTY_HOME": str(home)}
    for argv in (["queue-stats"], ["enqueue"], ["spec-kitty", "sync-status"]):
        done = run_installed(*argv, cwd=tmp_path, env=env)
        assert done.returncode == 5, argv
        lines = done.stderr.decode().strip().splitlines()
        assert len(lines) == 1 and f"{home} is not a folder" in lines[0], lines


def test_a_bad_queue_timeout_is_a_usage_error(tmp_path):
    done = run_installed("queue-stats", env={"SPEC_KITTY_QUEUE_TIMEOUT": "soon"})
    assert done.returncode == 2
    assert b"SPEC_KITTY_QUEUE_TIMEOUT='soon' is not a number of seconds" in done.stderr
