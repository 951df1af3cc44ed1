"""Text a server sent, made safe to show: the one place the client blanks secrets and tames
terminal control characters.

`blank_secrets` replaces every whole occurrence of a secret (a token, a password) in every form a
server may echo it: as it is, JSON-escaped (`PASS\\"WORD`, `P\\u00c4SS`, any mix of escapes, hex
in either case) or URL-encoded (`P%C3%84SS`, `+` for a space). Only whole values are blanked: a
secret that is part of a longer word is unrelated text and stays, and the marker never tells the
secret's length. `visible` shows control characters (escape sequences, line breaks, bidi
overrides, lone surrogates) as escapes, on one line, cut to length, so server text can neither
retitle a terminal nor forge a line of our own output. `server_text` does both, in that order (a
secret cut in half could no longer be recognised).
"""

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

SECRET = "[secret]"
# Characters shown as escapes: controls, format characters (bidi overrides, zero-width), line
# and paragraph separators, and surrogates, which no terminal should get raw.
_HIDDEN = {"Cc", "Cf", "Zl", "Zp", "Cs"}
_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_JSON_SHORT = {'"': '\\"', "\\": "\\\\", "/": "\\/", "\b": "\\b", "\f": "\\f"} | _SHORT_ESCAPES


def blank_secrets(text: str, secrets: Iterable[str | None], marker: str = SECRET) -> str:
    """`text` with each of `secrets` (empty ones ignored) replaced by `marker` wherever it stands
    as a whole value, raw, JSON-escaped or URL-encoded."""
    for secret in secrets:
        if secret:
            text = _pattern(secret).sub(marker, text)
    return text


def blank_secrets_in(value: object, secrets: Iterable[str | None], marker: str = SECRET) -> object:
    """`value` (parsed JSON) with `blank_secrets` applied to every string and key in it."""
    secrets = [secret for secret in secrets if secret]
    if isinstance(value, str):
        return blank_secrets(value, secrets, marker)
    if isinstance(value, dict):
        return {
            blank_secrets(str(key), secrets, marker): blank_secrets_in(item, secrets, marker)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [blank_secrets_in(item, secrets, marker) for item in value]
    return value


def visible(text: str, limit: int = 200) -> str:
    """`text` on one line, its control characters shown as escapes, at most `limit` characters."""
    shown = "".join(_escaped(char) for char in text[:limit])
    return shown if len(shown) <= limit and len(text) <= limit else shown[: limit - 3] + "..."


def server_text(text: str, secrets: Iterable[str | None] = (), limit: int = 200) -> str:
    """What a server said, fit to show a person: secrets blanked, then `visible`."""
    return visible(blank_secrets(text, secrets), limit)


def _escaped(char: str) -> str:
    if unicodedata.category(char) not in _HIDDEN:
        return char
    if char in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[char]
    code = ord(char)
    return (
        f"\\x{code:02x}"
        if code < 0x100
        else f"\\u{code:04x}"
        if code < 0x10000
        else (f"\\U{code:08x}")
    )


@lru_cache(maxsize=64)
def _pattern(secret: str) -> re.Pattern:
    """Each character of `secret` in any of its forms; nothing word-like on either side."""
    forms = "".join(f"(?:{'|'.join(_forms(char))})" for char in secret)
    return re.compile(rf"(?<!\w){forms}(?!\w)")


def _forms(char: str) -> list[str]:
    """The ways `char` may be written, escapes first: where the text is ambiguous (a raw `\\`
    before another one), the longer reading is blanked, never leaving part of an escape behind."""
    forms = []
    if char in _JSON_SHORT:
        forms.append(re.escape(_JSON_SHORT[char]))
    code = ord(char)
    units = (
        [code] if code < 0x10000 else [0xD800 + ((code - 0x10000) >> 10), 0xDC00 + (code & 0x3FF)]
    )
    forms.append("".join(r"\\u" + _hex(unit, 4) for unit in units))
    forms.append("".join("%" + _hex(byte, 2) for byte in char.encode("utf-8", "surrogatepass")))
    if char == " ":
        forms.append(r"\+")
    forms.append(re.escape(char))
    return forms


def _hex(number: int, width: int) -> str:
    """`number` in hex as a pattern that takes either case of the letters."""
    return "".join(
        f"[{digit}{digit.upper()}]" if digit.isalpha() else digit for digit in f"{number:0{width}x}"
    )
