"""JSON from someone we do not trust: bounded before it is parsed, and Unicode text only.

`parse` refuses, before building a single object, a body holding more JSON values than allowed
(counted at C speed), so a body of a million empty objects costs no memory; nesting deeper than
the parser's stack is refused by the parser itself, deeper than allowed right after. While parsing
it refuses numbers longer than allowed (Python would otherwise spend seconds converting, or give
up with an error of its own), numbers out of range, and NaN / Infinity, which are not JSON.

`lone_surrogate_path` finds a string holding half of a UTF-16 pair (`"\\ud800"`): valid JSON
syntax, but not Unicode text, so it can be neither stored nor written out as UTF-8.
"""

import json
import math
import re
from dataclasses import dataclass

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


class JsonRefused(ValueError):
    """Why a body is not acceptable: `error` completes "The body ..." with the rule broken,
    `detail` says where; `too_large` says whether it is about size (answered 413 over HTTP)."""

    def __init__(self, error: str, detail: str, too_large: bool = False):
        super().__init__(f"{error}: {detail}")
        self.error = error
        self.detail = detail
        self.too_large = too_large


@dataclass(frozen=True)
class JsonLimits:
    max_depth: int
    max_number_length: int
    max_values: int | None = None


def parse(text: str, limits: JsonLimits) -> object:
    """The JSON document in `text`, within `limits`; JsonRefused otherwise."""
    _check_size(text, limits)
    try:
        document = json.loads(
            text,
            parse_int=_integer_parser(limits.max_number_length),
            parse_float=_float_parser(limits.max_number_length),
            parse_constant=_constant,
        )
    except JsonRefused:
        raise
    except json.JSONDecodeError as exc:
        raise JsonRefused("is not valid JSON", str(exc)) from None
    except RecursionError:
        raise JsonRefused(
            f"is nested deeper than {limits.max_depth} levels", "the parser ran out of stack"
        ) from None
    if isinstance(document, dict | list):
        _check_depth(document, limits.max_depth)
    return document


def utf8_text(data: bytes) -> str:
    """`data` decoded as UTF-8, which is all a request body may be; JsonRefused otherwise."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise JsonRefused("is not valid JSON", f"not UTF-8 text: {exc}") from None


def may_hold_lone_surrogates(text: str) -> bool:
    """Whether `text` has a \\uD800-\\uDFFF escape at all: when not, no string parsed from it can
    hold a lone surrogate and there is nothing to look for (UTF-8 cannot encode one)."""
    return _SURROGATE_ESCAPE.search(text) is not None


def lone_surrogate_path(value: object, path: str = "") -> str | None:
    """The path (`payload.note`, `tags[2]`) of the first string or key in `value` holding a lone
    surrogate, or None when it is all Unicode text."""
    if isinstance(value, str):
        return (path or "(the value)") if _SURROGATE.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if _SURROGATE.search(key):
                return here
            found = lone_surrogate_path(item, here)
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = lone_surrogate_path(item, f"{path}[{index}]")
            if found:
                return found
    return None


def surrogate_problem(path: str) -> str:
    return f"{path} holds a lone surrogate (half of a UTF-16 pair), which is not Unicode text"


def _check_size(text: str, limits: JsonLimits) -> None:
    if limits.max_values is None:
        return
    # Every value but the first follows a comma or opens a container. Counted on the raw text
    # first, which strings can only make larger; only a body over the limit that way is counted
    # again with its strings taken out.
    values = text.count(",") + text.count("[") + text.count("{") + 1
    if values <= limits.max_values:
        return
    skeleton = _STRING.sub('""', text)
    values = skeleton.count(",") + skeleton.count("[") + skeleton.count("{") + 1
    if values > limits.max_values:
        raise JsonRefused(
            f"holds more than {limits.max_values} JSON values",
            f"the body holds about {values}",
            too_large=True,
        )


def _check_depth(document: object, max_depth: int) -> None:
    """Walks the containers only: a few per event, so it costs little next to the parse."""
    level, depth = [document], 0
    while level:
        depth += 1
        if depth > max_depth:
            raise JsonRefused(
                f"is nested deeper than {max_depth} levels",
                f"objects and lists nest more than {max_depth} levels deep",
            )
        inner = []
        for container in level:
            items = container.values() if type(container) is dict else container
            inner += [item for item in items if type(item) is dict or type(item) is list]
        level = inner


def _integer_parser(max_length: int):
    def parse_int(text: str) -> int:
        if len(text) > max_length:
            raise _too_long(text, max_length)
        return int(text)

    return parse_int


def _float_parser(max_length: int):
    def parse_float(text: str) -> float:
        if len(text) > max_length:
            raise _too_long(text, max_length)
        value = float(text)
        if not math.isfinite(value):
            raise JsonRefused(
                "holds a number out of range", f"{text} is too large for a 64-bit float"
            )
        return value

    return parse_float


def _too_long(text: str, max_length: int) -> JsonRefused:
    return JsonRefused(
        f"holds a number longer than {max_length} characters",
        f"a number of {len(text)} characters starting {text[:12]}...",
    )


def _constant(name: str) -> None:
    raise JsonRefused("is not valid JSON", f"{name} is not a JSON value")
