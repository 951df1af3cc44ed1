"""Build `templates/spec-kitty-hashes.json`: the hash of every default file of every release of
spec-kitty-cli on PyPI, so spec_kitty.runtime.stock can tell its stock copies from user edits.

A maintainer task (`invoke release-hashes`), never run by users. It lists the releases with
`pip index versions`, downloads each with `pip download --no-deps` into a cache folder (kept and
reused; only new releases are fetched), reads the archives without unpacking them and writes
hashes only, never text. Releases that ship only an sdist are read from the .tar.gz.

Each file is keyed by its path relative to the runtime root it lands in, which is the same in a
project's `.kittify/` and in `~/.kittify/`: `missions/...` or `templates/...`. Where the releases
keep those files (surveyed in the wheels of 0.2.20, 0.4.9-0.4.13, 0.10.13, 0.16.2, 1.0.3, 2.1.3,
3.0.0, 3.2.0-3.2.7):

- 0.2.20-0.4.8: `specify_cli/.kittify/missions/<key>/...` (commands in `<key>/commands/`, a
  `constitution/` folder) and `specify_cli/templates/...` (commands in `templates/commands/`);
  init copied them to `.kittify/missions/` and `.kittify/templates/`.
- 0.4.9: `specify_cli/templates/` only (the wheel lost its missions).
- 0.4.10-0.5.3: `specify_cli/missions/research/` only, plus `specify_cli/templates/`.
- 0.6.0-1.0.3: `specify_cli/missions/<key>/...` (`command-templates/`, `templates/`,
  `mission.yaml`) and `specify_cli/templates/...`: the layout of a 1.0.x project's `.kittify/`.
- 2.1.0-3.1.10: the same; from 2.1.1 a second copy under `doctrine/missions/` and
  `doctrine/templates/`, which 3.2.0-3.2.5 made the live one (`~/.kittify/missions/` is filled
  from `doctrine/missions/`, while `specify_cli/missions/` keeps only a few mission files).
- 3.2.6 and later: missions under `packs/built-in/missions/`, templates under
  `charter/offering/templates/`; `specify_cli/missions/` and `specify_cli/templates/` remain
  with a few files.

Every one of these folders is read (`ROOTS`), so a release that kept two copies of a default
records the hashes of both. An sdist holds the same folders under `src/` and, in 0.x, at its top
(`.kittify/missions/`, `templates/`), which the wheel build copied into the package.

Left out as package machinery: `__init__.py`, `__pycache__/`, `*.pyc`, and Python modules at the
top of a root (`missions/primitives.py`: the CLI's own code; 2.x and later copy only mission
folders into `~/.kittify`). Everything else is kept (md, yaml, csv, json, `.template`, scripts
inside a mission folder): a project or `~/.kittify` may hold any of them.
"""

import json
import re
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TextIO

from spec_kitty.jsonl import EXIT_OFFLINE, ScriptError
from spec_kitty.runtime.manifest import STOCK_TABLE, content_hash, write_atomic
from spec_kitty.runtime.stock import DIGEST_PREFIX, TABLE_FORMAT, version_key
from spec_kitty.shipped import shipped_dir

PACKAGE = "spec-kitty-cli"
# Archive folder -> the runtime folder its files land in.
ROOTS = (
    ("specify_cli/.kittify/missions/", "missions/"),
    ("specify_cli/missions/", "missions/"),
    ("doctrine/missions/", "missions/"),
    ("packs/built-in/missions/", "missions/"),
    ("specify_cli/templates/", "templates/"),
    ("doctrine/templates/", "templates/"),
    ("charter/offering/templates/", "templates/"),
)
# The top of a 0.x sdist: the sources its wheel build copied into specify_cli/.
SDIST_TOP_ROOTS = ((".kittify/missions/", "missions/"), ("templates/", "templates/"))


def default_cache() -> Path:
    return Path.home() / ".cache" / "spec-kitty-release-hashes"


def default_table() -> Path:
    return shipped_dir("templates") / STOCK_TABLE


class Skipped(Exception):
    """A release that cannot be hashed; the message says why."""


@dataclass
class BuildReport:
    versions: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    paths: int = 0
    size: int = 0
    changed: bool = False


def runtime_path(name: str, roots=ROOTS) -> str | None:
    """The runtime path of archive member `name`, or None when it is not a default file."""
    for folder, runtime in roots:
        if name.startswith(folder):
            rest = PurePosixPath(name[len(folder) :])
            return runtime + rest.as_posix() if _is_default_file(rest) else None
    return None


def _is_default_file(rest: PurePosixPath) -> bool:
    """Not package machinery (see the module docstring)."""
    return not (
        not rest.parts
        or rest.name == "__init__.py"
        or "__pycache__" in rest.parts
        or rest.suffix == ".pyc"
        or (rest.suffix == ".py" and len(rest.parts) == 1)
    )


def archive_hashes(path: Path) -> dict[str, set[str]]:
    """{runtime path: hex digests} of the default files in a wheel or an sdist (.tar.gz)."""
    if path.name.endswith(".whl"):
        members = _wheel_members(path)
    elif path.name.endswith(".tar.gz"):
        members = _sdist_members(path)
    else:
        raise Skipped(f"{path.name} is neither a wheel nor a .tar.gz sdist")
    found: dict[str, set[str]] = {}
    try:
        for rel, data in members:
            found.setdefault(rel, set()).add(content_hash(data).removeprefix(DIGEST_PREFIX))
    except (OSError, zipfile.BadZipFile, tarfile.TarError, EOFError) as exc:
        raise Skipped(f"{path.name} is unreadable ({exc})") from None
    return found


def _wheel_members(path: Path) -> Iterator[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as wheel:
        for info in wheel.infolist():
            rel = None if info.is_dir() else runtime_path(info.filename)
            if rel is not None:
                yield rel, wheel.read(info)


def _sdist_members(path: Path) -> Iterator[tuple[str, bytes]]:
    with tarfile.open(path, "r:gz") as sdist:
        for member in sdist:
            if not member.isfile():
                continue
            name = member.name.partition("/")[2]  # below the name-version/ folder
            rel = (
                runtime_path(name)
                or runtime_path(name.removeprefix("src/"))
                or runtime_path(name, SDIST_TOP_ROOTS)
            )
            if rel is not None:
                yield rel, sdist.extractfile(member).read()


def build_table(hashed: dict[str, dict[str, set[str]]]) -> dict:
    """The table for {version: {runtime path: hex digests}}."""
    versions = sorted(hashed, key=version_key)
    files: dict[str, dict[str, list[str]]] = {}
    for version in versions:
        for rel, digests in hashed[version].items():
            for digest in digests:
                files.setdefault(rel, {}).setdefault(digest, []).append(version)
    return {"format": TABLE_FORMAT, "package": PACKAGE, "versions": versions, "files": files}


def render_table(table: dict) -> bytes:
    """Compact JSON with sorted keys, one line per path, so a new release reads well in a diff."""

    def compact(value) -> str:
        return json.dumps(value, sort_keys=True, separators=(",", ":"))

    files = ",\n".join(
        f"{compact(rel)}:{compact(hashes)}" for rel, hashes in sorted(table["files"].items())
    )
    rest = compact({key: value for key, value in table.items() if key != "files"})
    return f'{{"files":{{\n{files}\n}},{rest[1:]}\n'.encode()


def released_versions(python: str = sys.executable) -> list[str]:
    """Every release of spec-kitty-cli on the index, oldest first."""
    done = _pip(python, "index", "versions", PACKAGE)
    for line in done.stdout.splitlines():
        if line.startswith("Available versions:"):
            listed = line.partition(":")[2].split(",")
            return sorted((v.strip() for v in listed if v.strip()), key=version_key)
    raise ScriptError(
        f"could not list the releases of {PACKAGE}: {_pip_error(done)}", exit_code=EXIT_OFFLINE
    )


def cached_archive(version: str, cache: Path) -> Path | None:
    """The release's wheel in `cache` (else its sdist), if it was downloaded before."""
    pattern = re.compile(rf"spec[-_]kitty[-_]cli-{re.escape(version)}(-.+\.whl|\.tar\.gz)", re.I)
    found = sorted(p for p in cache.glob("*") if pattern.fullmatch(p.name))
    wheels = [p for p in found if p.name.endswith(".whl")]
    return (wheels or found or [None])[0]


def fetch(version: str, cache: Path, python: str = sys.executable) -> tuple[Path, bool]:
    """The release's archive, and whether it was already cached; pip picks the wheel if any."""
    cached = cached_archive(version, cache)
    if cached is not None:
        return cached, True
    done = _pip(python, "download", "--no-deps", "-q", f"{PACKAGE}=={version}", "-d", str(cache))
    downloaded = cached_archive(version, cache)
    if done.returncode != 0 or downloaded is None:
        raise Skipped(f"pip download failed: {_pip_error(done)}")
    return downloaded, False


def build(
    cache: Path, out: Path, python: str = sys.executable, log: TextIO = sys.stderr
) -> BuildReport:
    """Hash every release into `out`; releases that cannot be read are reported and left out."""
    cache.mkdir(parents=True, exist_ok=True)
    report = BuildReport()
    releases = released_versions(python)
    print(f"{len(releases)} releases of {PACKAGE}; cache {cache}", file=log)
    hashed: dict[str, dict[str, set[str]]] = {}
    for count, version in enumerate(releases, 1):
        step = f"[{count}/{len(releases)}] {version}"
        try:
            archive, was_cached = fetch(version, cache, python)
            hashed[version] = archive_hashes(archive)
        except Skipped as exc:
            report.skipped[version] = str(exc)
            print(f"{step}: SKIPPED: {exc}", file=log)
            continue
        how = "cached" if was_cached else "downloaded"
        print(f"{step}: {len(hashed[version])} files from {archive.name} ({how})", file=log)
    table = build_table(hashed)
    data = render_table(table)
    report.versions, report.paths, report.size = table["versions"], len(table["files"]), len(data)
    report.changed = not out.is_file() or out.read_bytes() != data
    if report.changed:
        write_atomic(out, data)
    return report


def summary(report: BuildReport, out: Path) -> str:
    lines = [
        f"{'wrote' if report.changed else 'unchanged'} {out}: {report.size:,} bytes, "
        f"{len(report.versions)} releases, {report.paths} paths"
    ]
    lines += [f"skipped {version}: {why}" for version, why in report.skipped.items()]
    return "\n".join(lines)


def _pip(python: str, *args: str) -> subprocess.CompletedProcess:
    command = [python, "-m", "pip", "--disable-pip-version-check", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=600)


def _pip_error(done: subprocess.CompletedProcess) -> str:
    """pip's own error line, without the warnings it prints around it."""
    lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR")]
    return (errors or lines or [f"exit status {done.returncode}"])[-1]
