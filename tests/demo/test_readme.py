"""Every command block of the README marked `<!-- readme-test -->` runs, in order, as written."""

import os
import re
import socket
import subprocess
from pathlib import Path

import pytest
from kitty_testing import VENV_BIN

README = Path(__file__).resolve().parents[2] / "README.md"
MARK = "<!-- readme-test -->"


def marked_blocks(text: str) -> list[str]:
    return re.findall(re.escape(MARK) + r"\n```sh\n(.*?)```", text, re.DOTALL)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_readme_marks_its_command_blocks():
    text = README.read_text()
    assert len(marked_blocks(text)) == text.count(MARK) == 3


@pytest.mark.slow
def test_every_marked_readme_block_runs_in_a_fresh_repository(tmp_path):
    repo = tmp_path / "app"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", "start"], cwd=repo, check=True)
    # The only change to the README's text: a free port instead of 8000, for parallel runs.
    port = str(free_port())
    blocks = [block.replace("8000", port) for block in marked_blocks(README.read_text())]
    script = "\n".join(
        ["set -euo pipefail", "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT", *blocks]
    )
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=repo,
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": f"{VENV_BIN}:{os.environ['PATH']}"},
        timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "WP01: approved, now done" in done.stdout
    assert "Synced: 0, Duplicates: 0, Failed: 0" in done.stdout
    assert "Sync connected" in done.stdout
    assert (repo / "ingest.db").exists()
