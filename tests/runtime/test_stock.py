"""Stock copies of spec-kitty-cli's defaults are recognised by hash, at their own path only; the
table is built from release archives (wheels and sdists) and ships compact and deterministic."""

import io
import json
import os
import random
import re
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest
from kitty_testing import VENV_BIN
from spec_kitty.jsonl import ScriptError
from spec_kitty.runtime.manifest import STOCK_TABLE, content_hash, shipped_files
from spec_kitty.runtime.stock import StockOrigin, StockTable, version_key
from spec_kitty.runtime.stock_build import (
    Skipped,
    archive_hashes,
    build_table,
    cached_archive,
    fetch,
    render_table,
)
from spec_kitty.shipped import shipped_dir

REPO = Path(__file__).resolve().parents[2]
SD_PLAN = "missions/software-dev/templates/plan-template.md"
RESEARCH_PLAN = "missions/research/templates/plan-template.md"
OLD_PLAN = b"# Plan\n\nSummary, then the technical context.\n"
NEW_PLAN = b"# Plan\n\nSummary, technical context, then the constitution check.\n"
RESEARCH = b"# Research plan\n\nQuestion, method, sources.\n"
MISSION = b"name: Software Dev Kitty\n"


def write_wheel(folder: Path, version: str, files: dict[str, bytes]) -> Path:
    """A wheel of spec-kitty-cli `version` holding `files`, valid enough for pip to take."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"spec_kitty_cli-{version}-py3-none-any.whl"
    info = f"spec_kitty_cli-{version}.dist-info"
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr(
            f"{info}/METADATA", f"Metadata-Version: 2.1\nName: spec-kitty-cli\nVersion: {version}\n"
        )
        wheel.writestr(
            f"{info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        )
        wheel.writestr(f"{info}/RECORD", "")
        for name, data in files.items():
            wheel.writestr(name, data)
    return path


def write_sdist(folder: Path, version: str, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"spec_kitty_cli-{version}.tar.gz"
    with tarfile.open(path, "w:gz") as sdist:
        for name, data in files.items():
            member = tarfile.TarInfo(f"spec_kitty_cli-{version}/{name}")
            member.size = len(data)
            sdist.addfile(member, io.BytesIO(data))
        # A link is not a file of its own: never hashed.
        link = tarfile.TarInfo(f"spec_kitty_cli-{version}/templates/linked.md")
        link.type, link.linkname = tarfile.SYMTYPE, "plan-template.md"
        sdist.addfile(link)
    return path


def release(plan: bytes) -> dict[str, bytes]:
    """The files of a 1.x-style wheel whose software-dev plan template is `plan`."""
    return {
        f"specify_cli/{SD_PLAN}": plan,
        f"specify_cli/{RESEARCH_PLAN}": RESEARCH,
        "specify_cli/missions/software-dev/mission.yaml": MISSION,
        "specify_cli/templates/commands/plan.md": b"# /plan\n",
    }


def load_table(tmp_path: Path, archives: dict[str, Path]) -> StockTable:
    table = build_table({version: archive_hashes(path) for version, path in archives.items()})
    path = tmp_path / STOCK_TABLE
    path.write_bytes(render_table(table))
    return StockTable.load(path)


@pytest.fixture
def table(tmp_path) -> StockTable:
    wheels = tmp_path / "wheels"
    return load_table(
        tmp_path,
        {
            "3.2.6.2": write_wheel(wheels, "3.2.6.2", release(NEW_PLAN)),
            "3.1.9": write_wheel(wheels, "3.1.9", release(OLD_PLAN)),
            "3.2.6": write_wheel(wheels, "3.2.6", release(NEW_PLAN)),
            "3.1.10": write_wheel(wheels, "3.1.10", release(OLD_PLAN)),
        },
    )


def test_a_copy_of_a_default_is_stock_at_its_own_path_with_the_newest_release_that_shipped_it(
    table,
):
    old = table.stock_origin(SD_PLAN, content_hash(OLD_PLAN))
    new = table.stock_origin(SD_PLAN, content_hash(NEW_PLAN))

    assert old == StockOrigin(version="3.1.10", versions=("3.1.9", "3.1.10"))
    assert new == StockOrigin(version="3.2.6.2", versions=("3.2.6", "3.2.6.2"))
    assert str(new) == "stock 3.2.6..3.2.6.2"
    assert table.stock_origin(SD_PLAN, content_hash(OLD_PLAN)) is not None


def test_a_copy_with_windows_line_endings_is_still_stock(table):
    crlf = OLD_PLAN.replace(b"\n", b"\r\n")

    assert table.stock_origin(SD_PLAN, content_hash(crlf)).version == "3.1.10"


def test_an_edit_or_another_missions_default_is_not_stock(table):
    edited = OLD_PLAN + b"\nOur house style: ADRs first.\n"

    assert table.stock_origin(SD_PLAN, content_hash(edited)) is None
    # Byte-identical to software-dev's default, but at research's path: the user put it there.
    assert table.stock_origin(RESEARCH_PLAN, content_hash(OLD_PLAN)) is None
    assert table.stock_origin(RESEARCH_PLAN, content_hash(RESEARCH)).version == "3.2.6.2"
    custom = "missions/custom/templates/plan-template.md"
    assert table.stock_origin(custom, content_hash(RESEARCH)) is None


def test_paths_are_those_some_release_shipped(table):
    assert table.stock_paths() == {
        SD_PLAN,
        RESEARCH_PLAN,
        "missions/software-dev/mission.yaml",
        "templates/commands/plan.md",
    }


def test_the_module_functions_answer_from_the_default_table(table, monkeypatch):
    from spec_kitty.runtime import stock

    monkeypatch.setattr(stock, "DEFAULT", table)

    assert str(stock.stock_origin(SD_PLAN, content_hash(NEW_PLAN))) == "stock 3.2.6..3.2.6.2"
    assert stock.stock_origin(RESEARCH_PLAN, content_hash(RESEARCH)) is not None
    assert stock.stock_origin(RESEARCH_PLAN, content_hash(OLD_PLAN)) is None
    assert stock.stock_paths() == table.stock_paths()


def test_a_digest_that_is_not_sha256_is_refused(table):
    with pytest.raises(ValueError, match="sha256:<hex>"):
        table.stock_origin(SD_PLAN, content_hash(OLD_PLAN).removeprefix("sha256:"))


def test_releases_sort_in_pep_440_order():
    expected = ["0.2.20", "0.10.8", "1.0.3", "3.1.9", "3.1.10", "3.2.0rc28", "3.2.0", "3.2.6"]
    expected += ["3.2.6.1", "3.2.6.2", "3.2.7"]
    shuffled = random.Random(7).sample(expected, len(expected))

    assert sorted(shuffled, key=version_key) == expected
    assert version_key("1.0") == version_key("1.0.0")
    with pytest.raises(ValueError, match="unsupported version 'latest'"):
        version_key("latest")


def test_a_wheel_of_each_era_gives_the_paths_a_kittify_uses(tmp_path):
    files = {
        # 0.2-0.4.8
        "specify_cli/.kittify/missions/software-dev/commands/plan.md": b"a",
        # 0.6-3.1
        "specify_cli/missions/research/templates/research/evidence-log.csv": b"b",
        "specify_cli/templates/commands/plan.md": b"c",
        # 3.2.0-3.2.5
        "doctrine/missions/documentation/templates/generators/jsdoc.json.template": b"d",
        "doctrine/templates/command-templates/status.md": b"e",
        # 3.2.6 and later
        "packs/built-in/missions/software-dev/mission.yaml": b"f",
        "charter/offering/templates/vscode-settings.json": b"g",
        "specify_cli/missions/plan/plan_interview.py": b"h",
        # package machinery and folders that never reach a .kittify
        "specify_cli/missions/__init__.py": b"",
        "specify_cli/missions/primitives.py": b"code",
        "specify_cli/missions/plan/__pycache__/plan_interview.cpython-311.pyc": b"\0",
        "doctrine/templates/repository.py": b"code",
        "specify_cli/dashboard/templates/index.html": b"<html>",
        "specify_cli/cli/commands/init.py": b"code",
    }
    wheel = write_wheel(tmp_path, "3.2.7", files)

    found = archive_hashes(wheel)

    assert sorted(found) == [
        "missions/documentation/templates/generators/jsdoc.json.template",
        "missions/plan/plan_interview.py",
        "missions/research/templates/research/evidence-log.csv",
        "missions/software-dev/commands/plan.md",
        "missions/software-dev/mission.yaml",
        "templates/command-templates/status.md",
        "templates/commands/plan.md",
        "templates/vscode-settings.json",
    ]
    assert found["templates/commands/plan.md"] == {content_hash(b"c").removeprefix("sha256:")}


def test_two_copies_of_a_default_in_one_release_are_both_recorded(tmp_path):
    wheel = write_wheel(
        tmp_path,
        "3.1.0",
        {f"specify_cli/{SD_PLAN}": OLD_PLAN, f"doctrine/{SD_PLAN}": NEW_PLAN},
    )

    table = load_table(tmp_path, {"3.1.0": wheel})

    assert table.stock_origin(SD_PLAN, content_hash(OLD_PLAN)) is not None
    assert table.stock_origin(SD_PLAN, content_hash(NEW_PLAN)) is not None


def test_an_sdist_is_read_from_its_package_folders_and_from_the_top_of_a_0x_one(tmp_path):
    sdist = write_sdist(
        tmp_path,
        "0.2.20",
        {
            "src/specify_cli/.kittify/missions/software-dev/templates/plan-template.md": OLD_PLAN,
            "templates/commands/plan.md": b"# /plan\n",
            "src/specify_cli/__init__.py": b"code",
            "tests/fixtures/templates/spec-template.md": b"a test's fixture",
            "README.md": b"readme",
        },
    )

    found = archive_hashes(sdist)

    assert sorted(found) == [SD_PLAN, "templates/commands/plan.md"]


def test_an_archive_that_cannot_be_read_is_skipped_with_the_reason(tmp_path):
    broken = tmp_path / "spec_kitty_cli-1.0.0-py3-none-any.whl"
    broken.write_bytes(b"not a zip")
    other = tmp_path / "spec_kitty_cli-1.0.0.zip"
    other.write_bytes(b"")

    with pytest.raises(Skipped, match="spec_kitty_cli-1.0.0-py3-none-any.whl is unreadable"):
        archive_hashes(broken)
    with pytest.raises(Skipped, match="neither a wheel nor a .tar.gz sdist"):
        archive_hashes(other)


def test_a_cached_release_is_used_without_asking_pip(tmp_path):
    cache = tmp_path / "cache"
    write_sdist(cache, "3.2.6", {})
    wheel = write_wheel(cache, "3.2.6", {})
    write_wheel(cache, "3.2.6.1", {})
    only_sdist = write_sdist(cache, "1.0.3", {})

    # A python that does not exist: any pip call would fail.
    assert fetch("3.2.6", cache, python=str(tmp_path / "no-python")) == (wheel, True)
    assert cached_archive("1.0.3", cache) == only_sdist
    assert cached_archive("3.2", cache) is None


def test_the_rendered_table_is_the_same_whatever_order_releases_were_read_in(tmp_path):
    plans = {"3.1.9": OLD_PLAN, "3.1.10": OLD_PLAN, "3.2.6": NEW_PLAN}
    hashed = {v: archive_hashes(write_wheel(tmp_path, v, release(p))) for v, p in plans.items()}

    forward = render_table(build_table(hashed))
    backward = render_table(build_table(dict(reversed(hashed.items()))))

    assert forward == backward
    assert json.loads(forward)["versions"] == ["3.1.9", "3.1.10", "3.2.6"]


def test_a_table_that_is_not_one_is_a_one_line_error(tmp_path):
    bad = tmp_path / STOCK_TABLE
    bad.write_text('{"format": 99}')
    missing = tmp_path / "nothing.json"

    with pytest.raises(ScriptError, match="not a spec-kitty hash table of format 1"):
        StockTable.load(bad)
    with pytest.raises(ScriptError, match="cannot read the stock hash table"):
        StockTable(missing).stock_paths()


@pytest.mark.slow
def test_the_task_downloads_each_release_once_and_names_the_one_it_could_not_read(tmp_path):
    index = tmp_path / "index"
    write_wheel(index, "3.1.9", release(OLD_PLAN))
    write_wheel(index, "3.1.10", release(NEW_PLAN))
    (index / "spec_kitty_cli-3.2.0-py3-none-any.whl").write_bytes(b"not a wheel")
    cache, out = tmp_path / "cache", tmp_path / "hashes.json"
    # pip reads releases from the local folder only: no network, no machine-wide pip settings.
    env = {"PIP_CONFIG_FILE": "/dev/null", "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(index)}

    def release_hashes():
        command = [
            str(VENV_BIN / "invoke"),
            "release-hashes",
            "--cache",
            str(cache),
            "--out",
            str(out),
        ]
        return subprocess.run(
            command,
            capture_output=True,
            text=True,
            cwd=REPO,
            env={**os.environ, **env},
            timeout=120,
        )

    first = release_hashes()
    written = out.read_bytes()
    second = release_hashes()

    assert first.returncode == 1, first.stderr
    assert (
        "[1/3] 3.1.9: 4 files from spec_kitty_cli-3.1.9-py3-none-any.whl (downloaded)"
        in first.stderr
    )
    assert re.search(r"skipped 3\.2\.0: pip download failed: ERROR: .*invalid", first.stderr)
    assert json.loads(written)["versions"] == ["3.1.9", "3.1.10"]
    assert "(downloaded)" not in second.stderr and "(cached)" in second.stderr
    assert f"unchanged {out}" in second.stderr
    assert out.read_bytes() == written


def test_the_shipped_table_covers_every_era_and_holds_hashes_only():
    path = shipped_dir("templates") / STOCK_TABLE
    data = path.read_bytes()
    table = json.loads(data)
    versions = table["versions"]

    assert (table["format"], table["package"]) == (1, "spec-kitty-cli")
    assert versions == sorted(versions, key=version_key)
    assert {v.split(".")[0] for v in versions} == {"0", "1", "2", "3"}
    for rel, hashes in table["files"].items():
        assert rel.split("/")[0] in ("missions", "templates"), rel
        for digest, shipped_by in hashes.items():
            assert re.fullmatch("[0-9a-f]{64}", digest), (rel, digest)
            assert shipped_by == sorted(set(shipped_by), key=version_key), rel
            assert set(shipped_by) <= set(versions), rel
    # Written as the builder writes it: a rebuild from the same releases is byte-identical.
    assert render_table(table) == data
    assert STOCK_TABLE not in {Path(rel).name for rel in shipped_files()}
