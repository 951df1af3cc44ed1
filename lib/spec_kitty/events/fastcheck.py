"""A fast yes/no check for the plain JSON Schema subset the contract files use.

jsonschema explains every failure but costs tens of microseconds an event; the reference server
checks 100,000-event runs. `compile_check` turns a schema into nested Python predicates that answer
only "certainly valid?". It is never more lenient than JSON Schema: where it says False, the full
validator decides, and any keyword it does not know makes compilation fail so the caller keeps
using the full validator for that schema.
"""

import re
from collections.abc import Callable

Check = Callable[[object], bool]

_ANNOTATIONS = {"$schema", "$id", "$comment", "title", "description", "examples", "default"}

_TYPES: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


class UnsupportedSchema(ValueError):
    """The schema uses a keyword this checker does not implement."""


def compile_check(schema: dict) -> Check:
    """A predicate that is True only for instances valid under `schema`."""
    checks = [_keyword(name, value, schema) for name, value in schema.items()]
    checks = [check for check in checks if check is not None]
    return lambda value: all(check(value) for check in checks)


def _keyword(name: str, value, schema: dict) -> Check | None:
    if name in _ANNOTATIONS:
        return None
    if name == "type":
        kinds = [_TYPES[k] for k in (value if isinstance(value, list) else [value])]
        return lambda v: any(kind(v) for kind in kinds)
    if name == "enum" and all(isinstance(option, str) for option in value):
        options = frozenset(value)
        return lambda v: isinstance(v, str) and v in options
    if name == "pattern":
        search = re.compile(value).search
        return lambda v: not isinstance(v, str) or search(v) is not None
    if name == "minLength":
        return lambda v: not isinstance(v, str) or len(v) >= value
    if name == "minimum":
        return lambda v: isinstance(v, bool) or not isinstance(v, int | float) or v >= value
    if name == "required":
        keys = tuple(value)
        return lambda v: not isinstance(v, dict) or all(key in v for key in keys)
    if name == "properties":
        subchecks = {key: compile_check(sub) for key, sub in value.items()}
        return lambda v: (
            not isinstance(v, dict)
            or all(check(v[key]) for key, check in subchecks.items() if key in v)
        )
    if name == "items" and isinstance(value, dict):
        item = compile_check(value)
        return lambda v: not isinstance(v, list) or all(item(i) for i in v)
    if name == "additionalProperties" and value is True:
        return None
    raise UnsupportedSchema(f"keyword {name!r} in {schema.get('$id', 'a schema')}")
