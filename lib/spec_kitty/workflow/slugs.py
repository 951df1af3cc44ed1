"""Names a user gives the workflow, checked before they become paths or branch names."""

import re
import unicodedata

from spec_kitty.jsonl import ScriptError

MAX_SLUG_LENGTH = 48

_WP_ID = re.compile(r"(?:WP)?0*(\d{1,2})", re.IGNORECASE)


def slugify(name: str) -> str:
    """`Checkout Flow (v2)!` -> `checkout-flow-v2`; ScriptError when nothing usable is left."""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > MAX_SLUG_LENGTH:
        slug = slug[:MAX_SLUG_LENGTH].rsplit("-", 1)[0] or slug[:MAX_SLUG_LENGTH]
    if not slug:
        raise ScriptError(
            f"feature name {name!r} has no ASCII letters or digits to build a slug from; "
            "give a name such as 'Checkout flow'"
        )
    return slug


def wp_id(value: str) -> str:
    """`WP01` from `WP01`, `wp1` or `1`; ScriptError for anything else."""
    match = _WP_ID.fullmatch(value.strip())
    if not match or not 1 <= int(match.group(1)) <= 99:
        raise ScriptError(f"work package id {value!r} is not valid: expected WP01 .. WP99")
    return f"WP{int(match.group(1)):02d}"
