"""Fill `{{ name }}` placeholders in a template."""

import re
from collections.abc import Iterator

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def render_template(text: str, values: dict) -> str:
    """`text` with each `{{ name }}` whose name is in `values` replaced by its value.

    A list or tuple renders as "a, b", an empty one as "none" (the way tasks.md writes
    `Depends on:`); None renders empty; a string is used as it is, so a caller wanting one item
    a line joins them itself. Placeholders with no value are left as they are, so a later step
    (or the agent reading the file) can still see and fill them.
    """

    def fill(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:
            return match.group(0)
        value = values[name]
        if value is None:
            return ""
        if isinstance(value, list | tuple):
            return ", ".join(str(item) for item in value) or "none"
        return str(value)

    return PLACEHOLDER.sub(fill, text)


def placeholders(text: str) -> Iterator[str]:
    """The placeholder names in `text`, in order of first appearance."""
    seen = set()
    for match in PLACEHOLDER.finditer(text):
        if match.group(1) not in seen:
            seen.add(match.group(1))
            yield match.group(1)
