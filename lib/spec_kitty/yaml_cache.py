"""Parsed YAML remembered by the text it came from.

Nearly every command reads the project's `.kittify/config.yaml`, and importing the YAML parser
costs more than the rest of reading it (a tenth of a workflow command's time). So the parsed value
of each file is kept, with the file's text, in one small JSON file in the spec-kitty home, and
used again only while the file still holds exactly that text. A value JSON cannot hold as it is
(a date, a number as a key) is never kept; a cache that cannot be read or written is ignored.
"""

import json
from collections.abc import Callable
from pathlib import Path

from spec_kitty.atomic import replace_file
from spec_kitty.homes import ensure_private_dir, spec_kitty_home
from spec_kitty.jsonl import ScriptError

CACHE_FILE = "toolkit-yaml-cache.json"
# Files remembered: the configurations of the projects a user works in, the latest read kept.
KEPT = 32


def load(path: Path, text: str, parse: Callable[[str], object]) -> object:
    """`parse(text)`, the text of `path`; answered from the cache when `path` last held `text`."""
    key = str(path.resolve())
    entries = _read()
    entry = entries.get(key)
    if isinstance(entry, dict) and entry.get("text") == text and "value" in entry:
        return entry["value"]
    value = parse(text)
    if _kept_exactly(value):
        entries.pop(key, None)
        entries[key] = {"text": text, "value": value}
        _write(dict(list(entries.items())[-KEPT:]))
    return value


def _cache_path() -> Path:
    return spec_kitty_home() / CACHE_FILE


def _read() -> dict:
    try:
        entries = json.loads(_cache_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return entries if isinstance(entries, dict) else {}


def _write(entries: dict) -> None:
    path = _cache_path()
    try:
        ensure_private_dir(path.parent)
        replace_file(path, json.dumps(entries, ensure_ascii=False), durable=False)
    except (OSError, ScriptError):
        pass


def _kept_exactly(value: object) -> bool:
    try:
        return json.loads(json.dumps(value)) == value
    except (TypeError, ValueError):
        return False
