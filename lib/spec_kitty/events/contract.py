"""The event contract as the schemas in contracts/schemas/ state it (the one source of truth).

Only the JSON files are read here; full JSON Schema validation lives in `events.validate`, which
imports jsonschema, so scripts that only need the event types and required fields stay fast.
"""

import json
from functools import cache
from pathlib import Path

from spec_kitty.shipped import shipped_dir


def schemas_dir() -> Path:
    return shipped_dir("contracts") / "schemas"


@cache
def load_schema(relative: str) -> dict:
    """A schema by its path under contracts/schemas/, e.g. "envelope.schema.json"."""
    return json.loads((schemas_dir() / relative).read_text())


@cache
def event_types() -> tuple[str, ...]:
    return tuple(load_schema("envelope.schema.json")["properties"]["event_type"]["enum"])


@cache
def required_envelope_fields() -> tuple[str, ...]:
    return tuple(load_schema("envelope.schema.json")["required"])


@cache
def required_payload_fields(event_type: str) -> tuple[str, ...]:
    return tuple(load_schema(f"payloads/{event_type}.schema.json")["required"])


@cache
def aggregate_types() -> tuple[str, ...]:
    return tuple(load_schema("envelope.schema.json")["properties"]["aggregate_type"]["enum"])


def field_pattern(name: str) -> str:
    """The regular expression envelope.schema.json gives for an envelope field."""
    return load_schema("envelope.schema.json")["properties"][name]["pattern"]
