"""Reading the workflow's Markdown files, with an error a user can act on."""

from pathlib import Path

from spec_kitty.jsonl import ScriptError


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ScriptError(
            f"{path} is not UTF-8 text (byte {exc.start}); save it as UTF-8"
        ) from None
