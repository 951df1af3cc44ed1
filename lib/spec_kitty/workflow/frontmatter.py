"""YAML frontmatter of work-package files: read it, change one field in place, write a new one.

Changing a field rewrites only that field's lines, so everything else an author or an earlier
release wrote (comments, quoting, key order, unknown keys) stays byte for byte.
"""

import json
import re

from spec_kitty.jsonl import ScriptError

FENCE = "---"

# A string YAML reads back unchanged when written plain: it starts with a letter, "_" or "/" (not
# an indicator such as "@" or "- ", nor a sign or dot that makes it a number) and holds no ": ",
# " #", trailing ":" or trailing space. Anything else is quoted.
_PLAIN = re.compile(r"[A-Za-z_/](?:[A-Za-z0-9_./@+-]|:(?=[^ ])| (?=[^ ]))*")
_UNPRINTABLE = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")
_RESERVED = {"", "null", "~", "true", "false", "yes", "no", "on", "off"}


def split(text: str) -> tuple[str | None, str]:
    """(frontmatter text without fences, body); (None, text) when the file has none."""
    if not text.startswith(FENCE + "\n"):
        return None, text
    end = text.find("\n" + FENCE, len(FENCE))
    while end != -1:
        after = end + 1 + len(FENCE)
        if after == len(text) or text[after] in "\r\n":
            return text[len(FENCE) + 1 : end + 1], text[after + 1 :]
        end = text.find("\n" + FENCE, end + 1)
    return None, text


def parse(frontmatter: str, where: str) -> dict:
    """The frontmatter as a dict; ScriptError naming `where` when it is not a YAML mapping."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(frontmatter, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 2}" if mark else ""
        raise ScriptError(f"{where}{line}: frontmatter is not valid YAML") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ScriptError(f"{where}: frontmatter must be a YAML mapping")
    return data


def scalar(value: object, quote: bool = False) -> str:
    """A YAML scalar for a str/int/bool/None; strings quoted only when they must be (or asked)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if quote or not _PLAIN.fullmatch(text) or text.lower() in _RESERVED:
        # A JSON string is a YAML double-quoted scalar once the characters YAML does not allow
        # raw (DEL, C1 controls, its own line breaks) are escaped as well.
        return _UNPRINTABLE.sub(_escape, json.dumps(text, ensure_ascii=False))
    return text


def _escape(match: re.Match) -> str:
    return f"\\u{ord(match.group()):04x}"


def flow_list(values: list) -> str:
    return "[" + ", ".join(scalar(v) for v in values) + "]"


def render(fields: dict) -> str:
    """A frontmatter block (with fences) for simple values: scalars and lists of scalars."""
    lines = [FENCE]
    for key, value in fields.items():
        shown = flow_list(value) if isinstance(value, list) else scalar(value)
        lines.append(f"{key}: {shown}")
    lines.append(FENCE)
    return "\n".join(lines) + "\n"


def set_field(frontmatter: str, key: str, value: object) -> str:
    """`frontmatter` with top-level `key` set to the scalar `value`, keeping the old quoting.

    A key that spanned several lines (a block list) is replaced as a whole; a missing key is
    appended at the end.
    """
    lines = frontmatter.splitlines(keepends=True)
    pattern = re.compile(rf"{re.escape(key)}\s*:(.*)$")
    for index, line in enumerate(lines):
        match = pattern.match(line)
        if not match:
            continue
        old = match.group(1).strip()
        quote = old.startswith('"') or old.startswith("'")
        end = index + 1
        while end < len(lines) and lines[end][:1] in (" ", "\t", "-"):
            end += 1
        lines[index:end] = [f"{key}: {scalar(value, quote)}\n"]
        return "".join(lines)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    return "".join(lines) + f"{key}: {scalar(value)}\n"


def join(frontmatter: str, body: str) -> str:
    return f"{FENCE}\n{frontmatter}{FENCE}\n{body}"
