"""Comparing a server's answer with a fixture's expectation, difference by difference.

An expectation is plain JSON, compared as follows: an object lists the keys that must be present
(others are allowed); a list must have the same length and match item by item; any other value
must be equal (and of the same JSON type). An object with one `$` key is a matcher:

    {"$type": "string"}                  any value of that JSON type
    {"$one_of": ["a", "b"]}               equal to one of the options
    {"$contains": ["lane", "planned"]}    a string containing every one of these substrings
    {"$absent": true}                     the key must not be present
"""

_JSON_TYPES = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}

# Each matcher's test of its rule, and what the rule must be.
_MATCHER_RULES = {
    "$type": (
        lambda rule: isinstance(rule, str) and rule in _JSON_TYPES,
        "one of " + ", ".join(_JSON_TYPES),
    ),
    "$one_of": (lambda rule: isinstance(rule, list), "a list of values"),
    "$contains": (
        lambda rule: (
            isinstance(rule, str)
            or (isinstance(rule, list) and all(isinstance(part, str) for part in rule))
        ),
        "a string or a list of strings",
    ),
    "$absent": (lambda rule: rule is True, "true"),
}

MISSING = object()


def differences(expected: object, found: object, path: str = "body") -> list[dict]:
    """Each way `found` departs from `expected`: {"path", "expected", "found"} (or "missing")."""
    if _is_matcher(expected):
        return _matcher_differences(expected, found, path)
    if found is MISSING:
        return [{"path": path, "expected": expected, "missing": True}]
    if isinstance(expected, dict):
        if not isinstance(found, dict):
            return [_diff(path, expected, found)]
        result = []
        for key, wanted in expected.items():
            result += differences(wanted, found.get(key, MISSING), f"{path}.{key}")
        return result
    if isinstance(expected, list):
        if not isinstance(found, list) or len(found) != len(expected):
            return [_diff(path, expected, found)]
        result = []
        for index, (wanted, item) in enumerate(zip(expected, found, strict=True)):
            result += differences(wanted, item, f"{path}[{index}]")
        return result
    if type(expected) is not type(found) or expected != found:
        return [_diff(path, expected, found)]
    return []


def expectation_problem(expected: object, path: str = "body") -> str | None:
    """What makes `expected` unusable as an expectation (an unknown matcher or a matcher's rule
    of the wrong kind), or None when `differences` can compare anything with it."""
    if _is_matcher(expected):
        ((name, rule),) = expected.items()
        if name not in _MATCHER_RULES:
            return f"{path}: unknown matcher {name} (known: {', '.join(_MATCHER_RULES)})"
        if not _MATCHER_RULES[name][0](rule):
            return f"{path}: {name} takes {_MATCHER_RULES[name][1]}, not {rule!r}"
        return None
    if isinstance(expected, dict):
        parts = [(f"{path}.{key}", value) for key, value in expected.items()]
    elif isinstance(expected, list):
        parts = [(f"{path}[{index}]", value) for index, value in enumerate(expected)]
    else:
        parts = []
    for where, value in parts:
        problem = expectation_problem(value, where)
        if problem:
            return problem
    return None


def _is_matcher(expected: object) -> bool:
    return (
        isinstance(expected, dict) and len(expected) == 1 and next(iter(expected)).startswith("$")
    )


def _matcher_differences(matcher: dict, found: object, path: str) -> list[dict]:
    ((name, rule),) = matcher.items()
    if name == "$absent":
        return [] if found is MISSING else [_diff(path, "no such key", found)]
    if found is MISSING:
        return [{"path": path, "expected": matcher, "missing": True}]
    if name == "$type":
        ok = _JSON_TYPES[rule](found)
    elif name == "$one_of":
        ok = any(type(option) is type(found) and option == found for option in rule)
    elif name == "$contains":
        parts = rule if isinstance(rule, list) else [rule]
        ok = isinstance(found, str) and all(part in found for part in parts)
    else:
        raise ValueError(f"unknown matcher {name} at {path}")
    return [] if ok else [_diff(path, matcher, found)]


def _diff(path: str, expected: object, found: object) -> dict:
    return {"path": path, "expected": expected, "found": found}
