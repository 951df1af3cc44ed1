"""A fast yes/no check for the plain JSON Schema subset the contract files use.

jsonschema explains every failure but costs tens of microseconds an event; the reference server
checks 100,000-event runs. `compile_check` turns a schema into nested Python predicates that answer
only "certainly valid?". It is never more lenient than JSON Schema: where it says False, the full
validator decides, and any keyword it does not know makes compilation fail so the caller keeps
using the full validator for that schema. Each check it builds is exact for its keyword, which
is what lets an `if` use a compiled check as its condition.
"""

import re
from collections.abc import Callable

Check = Callable[[object], bool]

_ANNOTATIONS = {"$schema", "$id", "$comment", "title", "description", "examples", "default"}
# Compiled together with their `if`.
_BRANCHES = {"then", "else"}

# JSON type -> Python types; a bool is an int to Python but never an integer or number to JSON.
_PY_TYPES = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}


class UnsupportedSchema(ValueError):
    """The schema uses a keyword this checker does not implement."""


def compile_check(schema: dict) -> Check:
    """A predicate that is True only for instances valid under `schema`."""
    leaf = _string_leaf(schema)
    if leaf is not None:
        return leaf
    checks = [_keyword(name, value, schema) for name, value in schema.items()]
    checks = tuple(check for check in checks if check is not None)
    if len(checks) == 1:
        return checks[0]

    def check_all(value) -> bool:
        for check in checks:
            if not check(value):
                return False
        return True

    return check_all


def _string_leaf(schema: dict) -> Check | None:
    """One check for the most common leaves, a string (or null) with an enum or a pattern."""
    rules = {k: v for k, v in schema.items() if k not in _ANNOTATIONS}
    if rules.keys() == {"type", "enum"} and _enum_within_type(rules["enum"], rules["type"]):
        return _keyword("enum", rules["enum"], schema)
    if rules.keys() == {"type", "pattern"} and rules["type"] == "string":
        search = re.compile(rules["pattern"]).search
        return lambda v: isinstance(v, str) and search(v) is not None
    return None


def _enum_within_type(options: list, kinds: str | list[str]) -> bool:
    """True when every option of a string/null enum is of an allowed type, so the enum alone
    decides."""
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return all(
        ("null" if option is None else "string" if isinstance(option, str) else None) in kinds
        for option in options
    )


def _keyword(name: str, value, schema: dict) -> Check | None:
    if name in _ANNOTATIONS or name in _BRANCHES:
        return None
    if name == "type":
        return _type_check(value if isinstance(value, list) else [value])
    if name == "enum" and all(option is None or isinstance(option, str) for option in value):
        options = frozenset(value)
        return lambda v: (v is None or isinstance(v, str)) and v in options
    if name == "const" and (value is None or isinstance(value, bool | str)):
        # JSON compares by type too: true is not 1, "1" is not 1.
        return lambda v: type(v) is type(value) and v == value
    if name == "if":
        condition, then = compile_check(value), compile_check(schema.get("then", {}))
        if "else" not in schema:
            return lambda v: not condition(v) or then(v)
        otherwise = compile_check(schema["else"])
        return lambda v: then(v) if condition(v) else otherwise(v)
    if name == "pattern":
        search = re.compile(value).search
        return lambda v: not isinstance(v, str) or search(v) is not None
    if name == "minLength":
        return lambda v: not isinstance(v, str) or len(v) >= value
    if name == "minimum":
        return lambda v: isinstance(v, bool) or not isinstance(v, int | float) or v >= value
    if name == "required":
        return _required_check(tuple(value))
    if name == "properties":
        return _properties_check(tuple((k, compile_check(sub)) for k, sub in value.items()))
    if name == "items" and isinstance(value, dict):
        item = compile_check(value)
        return lambda v: not isinstance(v, list) or all(item(i) for i in v)
    if name == "additionalProperties" and value is True:
        return None
    raise UnsupportedSchema(f"keyword {name!r} in {schema.get('$id', 'a schema')}")


def _type_check(kinds: list[str]) -> Check:
    types = tuple({t for kind in kinds for t in _PY_TYPES[kind]})
    bool_ok = "boolean" in kinds
    if bool_ok:
        return lambda v: isinstance(v, types)
    return lambda v: isinstance(v, types) and not isinstance(v, bool)


def _required_check(keys: tuple[str, ...]) -> Check:
    def required(value) -> bool:
        if not isinstance(value, dict):
            return True
        for key in keys:
            if key not in value:
                return False
        return True

    return required


def _properties_check(subchecks: tuple[tuple[str, Check], ...]) -> Check:
    def properties(value) -> bool:
        if not isinstance(value, dict):
            return True
        for key, check in subchecks:
            if key in value and not check(value[key]):
                return False
        return True

    return properties
