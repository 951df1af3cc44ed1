"""Hashes of runtime files: the package defaults, earlier releases' defaults, the global manifest.

Paths are POSIX paths relative to a runtime root (the package's templates/, `$KITTIFY_HOME`, or a
project's `.kittify/`), e.g. `missions/software-dev/templates/spec-template.md`; the three roots
share one layout, so one relative path names the same default everywhere.

`templates/release-hashes.json` keeps, per released version, the hash of every default it shipped
(as laid out in a project that copied them), so a project copy of an older default is still
recognised as "not customised" after the default has changed. Record the current version with
`python -m spec_kitty.runtime.manifest` before a release and whenever a default changes.
"""

import hashlib
import json
from pathlib import Path

from spec_kitty import __version__
from spec_kitty.atomic import replace_file
from spec_kitty.filemode import plain_mode
from spec_kitty.homes import kittify_home
from spec_kitty.shipped import shipped_dir

RELEASE_HASHES = "release-hashes.json"
# Hashes of every spec-kitty-cli release's defaults (see spec_kitty.runtime.stock).
STOCK_TABLE = "spec-kitty-hashes.json"
MANIFEST = "manifest.json"
# Files in the package's templates/ that are package metadata, not runtime files.
_NOT_RUNTIME = {RELEASE_HASHES, STOCK_TABLE, "__init__.py"}


def content_hash(data: bytes) -> str:
    """sha256 of the text with CRLF read as LF, so a checkout's line endings are not an edit."""
    return "sha256:" + hashlib.sha256(data.replace(b"\r\n", b"\n")).hexdigest()


def file_hash(path: Path) -> str:
    return content_hash(path.read_bytes())


def shipped_files() -> dict[str, Path]:
    """Every package default, by relative path."""
    root = shipped_dir("templates")
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.name not in _NOT_RUNTIME and "__pycache__" not in path.parts:
            found[path.relative_to(root).as_posix()] = path
    return found


def shipped_hashes() -> dict[str, str]:
    return {rel: file_hash(path) for rel, path in shipped_files().items()}


def release_hashes() -> dict[str, dict[str, str]]:
    """{version: {relative path: hash}} of every recorded release."""
    path = shipped_dir("templates") / RELEASE_HASHES
    if not path.is_file():
        return {}
    return json.loads(path.read_text())["releases"]


def record_release(version: str = __version__) -> Path:
    """Write the current defaults' hashes into release-hashes.json under `version`."""
    path = shipped_dir("templates") / RELEASE_HASHES
    releases = release_hashes()
    releases[version] = shipped_hashes()
    write_json(path, {"format": 1, "releases": dict(sorted(releases.items()))})
    return path


def global_runtime_is_current() -> bool:
    """Whether $KITTIFY_HOME holds the runtime this version of the package installs."""
    return read_manifest(kittify_home()).get("version") == __version__


def read_manifest(home: Path) -> dict:
    """The global runtime's manifest, or an empty one when nothing is installed yet."""
    path = home / MANIFEST
    if not path.is_file():
        return {"files": {}}
    try:
        manifest = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        from spec_kitty.jsonl import ScriptError

        raise ScriptError(
            f"{path} is not valid JSON ({exc.msg}); move it aside and run `spec-kitty migrate`"
        ) from None
    manifest.setdefault("files", {})
    return manifest


def write_json(path: Path, data: dict) -> None:
    """Write `data` as indented JSON atomically (a reader never sees half a file)."""
    write_atomic(path, (json.dumps(data, indent=2, sort_keys=True) + "\n").encode())


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    replace_file(path, data, mode=plain_mode(path))


if __name__ == "__main__":
    print(f"recorded {__version__} in {record_release()}")
