"""An installed wheel (not the checkout) finds its package defaults and installs them globally,
and carries the dashboard's page."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from kittify_project import SHIPPED
from kitty_testing import json_lines

REPO = Path(__file__).resolve().parents[2]
SOURCES = ["pyproject.toml", "README.md", "lib", "bin", "templates", "contracts"]
DASHBOARD_STATIC = REPO / "lib" / "spec_kitty" / "dashboard" / "static"


def run(*command, **kwargs):
    done = subprocess.run(command, capture_output=True, timeout=300, **kwargs)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    return done


@pytest.mark.slow
def test_an_installed_wheel_resolves_and_installs_its_package_defaults(tmp_path):
    # Build from a clean copy so nothing left in the checkout's build/ can slip into the wheel.
    source = tmp_path / "src"
    source.mkdir()
    for name in SOURCES:
        path = REPO / name
        if path.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
            shutil.copytree(path, source / name, ignore=ignore)
        else:
            shutil.copy2(path, source / name)
    run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "-q",
        "--no-deps",
        "-w",
        str(tmp_path / "dist"),
        str(source),
    )
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--system-site-packages", str(venv))
    run(str(venv / "bin/python"), "-m", "pip", "install", "-q", "--no-deps", str(wheel))

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    work = tmp_path / "work"
    work.mkdir()
    request = json.dumps({"name": "tasks-template.md", "mission": "research"}) + "\n"
    done = run(str(venv / "bin/resolve-template"), input=request.encode(), cwd=work, env=env)

    (line,) = json_lines(done.stdout)
    resolved = Path(line["path"])
    assert line["tier"] == "package"
    assert resolved.is_relative_to(venv), resolved
    assert resolved.parts[-4:] == ("missions", "research", "templates", "tasks-template.md")
    assert (resolved.parents[3] / "release-hashes.json").is_file()
    assert (resolved.parents[3] / "spec-kitty-hashes.json").is_file()
    assert (
        resolved.read_bytes()
        == (SHIPPED / "missions/research/templates/tasks-template.md").read_bytes()
    )

    installed = run(str(venv / "bin/migrate-global"), cwd=work, env=env)
    actions = json_lines(installed.stdout)
    shipped = sorted(
        p.relative_to(SHIPPED).as_posix()
        for p in SHIPPED.rglob("*")
        if p.is_file() and p.name not in ("release-hashes.json", "spec-kitty-hashes.json")
    )
    assert sorted(a["path"] for a in actions) == shipped
    assert {a["action"] for a in actions} == {"install"}

    # The dashboard's page ships inside the wheel, read from the installed package.
    page = run(
        str(venv / "bin/python"),
        "-c",
        "import json; from importlib import resources;"
        " d = resources.files('spec_kitty.dashboard') / 'static';"
        " print(json.dumps({p.name: str(p) for p in d.iterdir()}))",
        cwd=work,
        env=env,
    )
    files = json.loads(page.stdout)
    assert sorted(files) == ["dashboard.css", "dashboard.js", "index.html"]
    for name, installed in files.items():
        assert Path(installed).is_relative_to(venv), installed
        assert Path(installed).read_bytes() == (DASHBOARD_STATIC / name).read_bytes()
