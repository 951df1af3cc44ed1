"""`just demo` end to end: it succeeds, narrates, stops its server, keeps to its temp folder,
never shows a token, and ends with the command that opens the dashboard on its data."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from kitty_testing import dashboard_in_background


@pytest.mark.slow
def test_the_demo_runs_the_whole_product_and_leaks_nothing(tmp_path, isolated_homes):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "spec_kitty.demo"],
        capture_output=True,
        text=True,
        env={**os.environ, "TMPDIR": str(scratch)},
        timeout=240,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    steps = re.findall(r"^\[\s*\d+\] (.+)$", done.stdout, re.MULTILINE)
    assert len(steps) >= 18
    assert "Synced: 40, Duplicates: 0, Failed: 0" in output
    assert "Failed: 1 (reason: schema_mismatch: 1)" in output
    assert "payload.wp_id: found 'WP7'" in output

    [root] = scratch.glob("spec-kitty-demo-*")
    assert f"the repository, homes and server data are in {root}" in done.stdout
    # The user's own homes (here: the test's) are untouched; all state is under the demo folder.
    assert not (isolated_homes / ".spec-kitty").exists()
    assert not (isolated_homes / ".kittify").exists()

    # The server was stopped: nothing listens on its port any more.
    port = re.search(r"listening on http://127\.0\.0\.1:(\d+)", done.stdout).group(1)
    assert subprocess.run(["bash", "-c", f"exec 3<>/dev/tcp/127.0.0.1/{port}"]).returncode != 0

    # No token appears in anything the demo printed or wrote outside the credentials file.
    credentials = root / "home" / ".spec-kitty" / "credentials"
    tokens = re.findall(r'^(?:access|refresh) = "([^"]+)"', credentials.read_text(), re.MULTILINE)
    assert len(tokens) == 2
    written = [
        p
        for p in root.rglob("*")
        if p.is_file() and p != credentials and ".git" not in p.parts and p.suffix != ".db"
    ]
    history = subprocess.run(
        ["git", "-C", str(root / "order-app"), "log", "-p", "--all"],
        capture_output=True,
        text=True,
    ).stdout
    assert "WP01" in history
    for token in tokens:
        assert token not in output
        assert token not in history
        for path in written:
            assert token not in path.read_text(errors="replace"), path
    assert oct((credentials.stat().st_mode) & 0o777) == "0o600"
    assert Path(credentials.parent).stat().st_mode & 0o777 == 0o700

    dashboard_on_the_demos_data(done.stdout)


def dashboard_on_the_demos_data(output: str) -> None:
    """The demo's last line opens the dashboard on its data: the same command, detached and
    without a browser, serves the demo's board and sync health."""
    last = output.rstrip("\n").splitlines()[-1].strip()
    assert last.endswith("spec-kitty dashboard --open")
    directory, command = last.removeprefix("cd ").split(" && ")
    *homes, program, _task, _open = shlex.split(command)
    env = {**os.environ, **dict(home.split("=", 1) for home in homes)}
    repo = shlex.split(directory)[0]
    with dashboard_in_background(repo, env, program) as info:
        base = f"http://127.0.0.1:{info['port']}"
        board = requests.get(f"{base}/api/board", timeout=10).json()
        health = requests.get(f"{base}/api/sync", timeout=10).json()
    [feature] = board["features"]
    assert {card["wp_id"]: card["lane"] for card in feature["work_packages"]} == {
        "WP01": "done",
        "WP02": "done",
        "WP03": "done",
    }
    assert health["login"]["username"] == "demo"
    assert health["last_sync"]["line"] == (
        "Synced: 0, Duplicates: 0, Failed: 1 (reason: schema_mismatch: 1)"
    )
    assert health["account"]["pending"] == 1
    assert [f["category"] for f in health["failures"]] == ["schema_mismatch"]
