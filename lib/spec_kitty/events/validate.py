"""Full validation of events against the contract schemas in contracts/schemas/.

A problem names the event, the field path, the value found and what the contract expects, so a
person can fix the event without reading the schema. `event_problems` judges an event as the
server does (lanes must already be the 4 sync lanes); `queued_event_problems` judges a queued
event as it will be sent, after the canonical -> 4 lane collapse.

Validators are compiled once per process: the envelope without its per-type dispatch (`allOf`),
and one validator per payload schema, chosen by event_type, so each event is checked against
exactly the schemas that apply to it.
"""

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from functools import cache

from spec_kitty.events import contract
from spec_kitty.events.collapse import LANE_FIELDS
from spec_kitty.records import UNKNOWN_LANE

SCHEMA_MISMATCH = "schema_mismatch"

_ABSENT = None


@dataclass(frozen=True)
class Problem:
    event_id: str | None
    path: str
    found: object
    expected: str
    code: str = SCHEMA_MISMATCH

    def message(self) -> str:
        if self.code == UNKNOWN_LANE:
            return f"unknown lane {self.found!r} in {self.path}: expected {self.expected}"
        return f"{self.path}: found {_show(self.found)}, expected {self.expected}"

    @property
    def kind(self) -> str:
        """What went wrong where, without the event: the key problems are counted by."""
        return f"{self.code} at {self.path}"

    def to_dict(self) -> dict:
        return {**asdict(self), "message": self.message()}


@dataclass
class Tally:
    """Events checked, how many were invalid, and how often each kind of problem occurred."""

    checked: int = 0
    invalid: int = 0
    counts: Counter = field(default_factory=Counter)

    def add(self, problems: list[Problem]) -> list[Problem]:
        """Count one event's problems; returns them, for the caller to report."""
        self.checked += 1
        self.invalid += bool(problems)
        self.counts.update(problem.kind for problem in problems)
        return problems

    def check(self, event: dict) -> list[Problem]:
        """Count the problems of a queued event as it would be sent; returns them."""
        return self.add(queued_event_problems(event))

    def most_common(self) -> dict[str, int]:
        return dict(self.counts.most_common())

    def summary(self, what: str = "event(s)") -> list[str]:
        """How many events were checked and how many are invalid, then each kind of problem
        with its count, most common first."""
        return [f"{self.checked} {what} checked, {self.invalid} invalid"] + [
            f"  {count:6d}  {kind}" for kind, count in self.counts.most_common()
        ]


def _show(value: object) -> str:
    if value is _ABSENT:
        return "nothing"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


@dataclass(frozen=True)
class _Validator:
    """The full validator, and a fast check that may vouch for an instance first."""

    full: object
    certainly_valid: object

    def problems(self, instance, event_id, prefix=""):
        if self.certainly_valid(instance):
            return []
        schema = self.full.schema
        return [_problem(event_id, err, schema, prefix) for err in self.full.iter_errors(instance)]


def _compiled(schema: dict) -> _Validator:
    from jsonschema import Draft202012Validator

    from spec_kitty.events.fastcheck import UnsupportedSchema, compile_check

    full = Draft202012Validator(schema)
    try:
        fast = compile_check(schema)
    except UnsupportedSchema:
        fast = full.is_valid
    return _Validator(full, fast)


@cache
def _envelope_validator() -> _Validator:
    # The envelope's allOf dispatches the payload schema by event_type; here the payload
    # validator is picked directly, so each event is checked against one payload schema.
    schema = contract.load_schema("envelope.schema.json")
    return _compiled({k: v for k, v in schema.items() if k != "allOf"})


@cache
def _payload_validator(event_type: str) -> _Validator:
    return _compiled(contract.load_schema(f"payloads/{event_type}.schema.json"))


def event_problems(event: dict) -> list[Problem]:
    """Every way `event` breaks the contract as a server judges it; empty when it is valid."""
    event_id = event.get("event_id") if isinstance(event.get("event_id"), str) else None
    problems = _envelope_validator().problems(event, event_id)
    event_type = event.get("event_type")
    payload = event.get("payload")
    if event_type in contract.event_types() and isinstance(payload, dict):
        problems += _payload_validator(event_type).problems(payload, event_id, "payload")
    return sorted(problems, key=_by_path)


def queued_event_problems(event: dict) -> list[Problem]:
    """Problems of a queued event as it would be sent: lanes collapsed first, then the schemas.

    A lane that does not collapse is reported against the canonical model the queue holds.
    """
    from spec_kitty.events.collapse import collapse_payload
    from spec_kitty.events.lanes import accepted_lanes

    payload = event.get("payload")
    if event.get("event_type") != "WPStatusChanged" or not isinstance(payload, dict):
        return event_problems(event)
    event_id = event.get("event_id") if isinstance(event.get("event_id"), str) else None
    expected = "one of " + accepted_lanes()
    collapsed, unknown = collapse_payload(payload)
    lane_problems = [
        Problem(event_id, f"payload.{exc.field}", exc.value, expected, UNKNOWN_LANE)
        for exc in unknown
    ]
    lane_paths = {p.path for p in lane_problems}
    rest = event_problems({**event, "payload": collapsed})
    return sorted(lane_problems + [p for p in rest if p.path not in lane_paths], key=_by_path)


def _by_path(problem: Problem) -> str:
    return problem.path


def _problem(event_id: str | None, error, schema: dict, prefix: str = "") -> Problem:
    parts = [prefix] if prefix else []
    parts += [f"[{p}]" if isinstance(p, int) else str(p) for p in error.absolute_path]
    kind, rule = error.validator, error.validator_value
    condition = _condition(schema, error)
    if kind == "required":
        missing = _missing_field(error)
        needed = f"required when {condition}" if condition else "required field"
        return Problem(event_id, _join([*parts, missing]), _ABSENT, f"a value ({needed})")
    path = _join(parts) or "(event)"
    expected = _expected(kind, rule) + (f" (when {condition})" if condition else "")
    lane_field = prefix == "payload" and parts[-1] in LANE_FIELDS
    if kind == "enum" and lane_field and isinstance(error.instance, str):
        return Problem(event_id, path, error.instance, expected, UNKNOWN_LANE)
    return Problem(event_id, path, error.instance, expected)


def _condition(schema: dict, error) -> str | None:
    """What the `if` asks of a rule found under its `then`, in words: "force is true"."""
    node = schema
    for step in error.absolute_schema_path:
        if step == "then" and isinstance(node, dict) and "if" in node:
            asked = node["if"].get("properties", {})
            words = [
                f"{name} is {json.dumps(rule['const'])}"
                for name, rule in asked.items()
                if "const" in rule
            ]
            return " and ".join(words) or None
        node = node[step]
    return None


def _missing_field(error) -> str:
    # jsonschema words it "'name' is a required property"; the name is the quoted part.
    message = error.message
    return message.split("'")[1] if message.count("'") >= 2 else message


def _join(parts: list[str]) -> str:
    return ".".join(parts).replace(".[", "[")


_PATTERN_WORDS = {r"\S": "a string that is not blank"}


def _expected(kind: str, rule: object) -> str:
    if kind == "type":
        kinds = rule if isinstance(rule, list) else [rule]
        return "a value of type " + " or ".join(kinds)
    if kind == "enum":
        return "one of " + ", ".join("null" if v is None else str(v) for v in rule)
    if kind == "const":
        return f"exactly {rule!r}"
    if kind == "pattern":
        return _PATTERN_WORDS.get(rule, f"a string matching {rule}")
    if kind == "minimum":
        return f"a number >= {rule}"
    if kind == "minLength":
        return f"a string of at least {rule} character(s)"
    return f"to satisfy {kind}: {rule!r}"


@cache
def document_validator(name: str):
    """A jsonschema validator for any contract schema file (e.g. "batch-response.schema.json"),
    with the references between the files resolved."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    root = contract.schemas_dir()
    resources = []
    for path in sorted(root.rglob("*.schema.json")):
        schema = contract.load_schema(str(path.relative_to(root)))
        resources.append((schema["$id"], Resource.from_contents(schema)))
    registry = Registry().with_resources(resources)
    return Draft202012Validator(contract.load_schema(name), registry=registry)
