"""Helpers every test module may import (conftest.py is not importable by name: each folder
with fixtures of its own has one)."""

import json
import os
import subprocess
import sys
from pathlib import Path

VENV_BIN = Path(sys.executable).parent


def run_script(name: str, *args: str, input: str | bytes = b"", cwd=None, env=None, timeout=60):
    """Run one of the installed console scripts as a user would; returns the CompletedProcess."""
    data = input.encode() if isinstance(input, str) else input
    return subprocess.run(
        [str(VENV_BIN / name), *args],
        input=data,
        capture_output=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )


def json_lines(data: bytes | str) -> list[dict]:
    text = data.decode() if isinstance(data, bytes) else data
    return [json.loads(line) for line in text.splitlines() if line.strip()]
