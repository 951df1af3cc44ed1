"""The event envelope: what the CLI queues and what a batch carries, one dict per event."""

import json
import os
import re
import time
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from functools import cache

from spec_kitty.events import contract
from spec_kitty.jsonl import dumps

SCHEMA_VERSION = "2.0.0"
DATA_TIER = 0


class InvalidEvent(ValueError):
    """An event that does not meet the envelope contract; the message says which field and why."""


def utc_now() -> str:
    return datetime.now(UTC).isoformat()


_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Any byte to a Crockford character by its low 5 bits: a random byte gives a random character.
_BYTE_TO_CROCKFORD = bytes(ord(_CROCKFORD[b & 31]) for b in range(256))


def new_event_id() -> str:
    """A ULID: 48 bits of milliseconds since the epoch, then 80 random bits, in Crockford base32.

    Made here rather than with python-ulid, whose import alone cost every command ~7 ms.
    """
    return new_event_ids(1)[0]


def new_event_ids(count: int) -> list[str]:
    """`count` ULIDs made now: the same 10 characters of time, then 16 random characters each
    (5 random bits a character, 80 in all), all drawn and encoded at once."""
    millis = time.time_ns() // 1_000_000
    prefix = "".join(_CROCKFORD[(millis >> shift) & 31] for shift in range(45, -1, -5))
    noise = os.urandom(16 * count).translate(_BYTE_TO_CROCKFORD).decode()
    return [prefix + noise[i : i + 16] for i in range(0, 16 * count, 16)]


@dataclass
class Event:
    event_id: str
    event_type: str
    aggregate_id: str
    aggregate_type: str
    payload: dict
    timestamp: str
    node_id: str
    lamport_clock: int
    project_uuid: str
    project_slug: str | None = None
    causation_id: str | None = None
    correlation_id: str | None = None
    schema_version: str = SCHEMA_VERSION
    data_tier: int = DATA_TIER
    # Optional context spec-kitty 2.x clients send; omitted from the JSON when unset.
    team_slug: str | None = None
    git_branch: str | None = None
    head_commit_sha: str | None = None
    repo_slug: str | None = None
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The envelope as the contract's JSON object (payload shared, not copied)."""
        data = {name: getattr(self, name) for name in FIELD_NAMES}
        for optional in OMIT_WHEN_NONE:
            if data[optional] is None:
                del data[optional]
        data.update(self.extra)
        return data

    def to_json(self) -> str:
        return dumps(self.to_dict())

    @classmethod
    def from_dict(cls, data: dict) -> "Event":
        check_envelope(data)
        known, extra = split_fields(data)
        return cls(**known, extra=extra)

    @classmethod
    def from_json(cls, text: str | bytes) -> "Event":
        data = json.loads(text)
        if not isinstance(data, dict):
            raise InvalidEvent(f"expected a JSON object, got {type(data).__name__}")
        return cls.from_dict(data)


OMIT_WHEN_NONE = ("team_slug", "git_branch", "head_commit_sha", "repo_slug")
FIELD_NAMES = tuple(f.name for f in fields(Event) if f.name != "extra")


def split_fields(data: dict) -> tuple[dict, dict]:
    """(the envelope fields of `data`, everything else)."""
    known = {k: v for k, v in data.items() if k in FIELD_NAMES}
    return known, {k: v for k, v in data.items() if k not in FIELD_NAMES}


def check_envelope(data: dict) -> None:
    """Raise InvalidEvent naming the first field that breaks the envelope contract.

    A check fast enough for every enqueue, with the patterns and lists of envelope.schema.json;
    `events.validate` applies the full schemas (payload field types, lanes) before sending.
    """
    required, event_types, patterns, aggregate_types = _rules()
    if not required <= data.keys():
        missing = [name for name in contract.required_envelope_fields() if name not in data]
        raise InvalidEvent(f"missing required field(s): {', '.join(missing)}")
    event_type = data["event_type"]
    if event_type not in event_types:
        raise InvalidEvent(
            f"event_type {event_type!r} is not one of {', '.join(contract.event_types())}"
        )
    for name, matches, what in patterns:
        value = data[name]
        if not isinstance(value, str) or not matches(value):
            raise InvalidEvent(f"{name} {value!r} is not {what}")
    for name in ("aggregate_id", "node_id"):
        if not isinstance(data[name], str) or not data[name]:
            raise InvalidEvent(f"{name} {data[name]!r} is not a non-empty string")
    clock = data["lamport_clock"]
    if type(clock) is not int or clock < 0:
        raise InvalidEvent(f"lamport_clock {clock!r} is not a non-negative integer")
    if data["aggregate_type"] not in aggregate_types:
        raise InvalidEvent(
            f"aggregate_type {data['aggregate_type']!r} is not one of "
            f"{', '.join(contract.aggregate_types())}"
        )
    payload = data["payload"]
    if not isinstance(payload, dict):
        raise InvalidEvent("payload is not a JSON object")
    if not _payload_fields(event_type) <= payload.keys():
        missing = [n for n in contract.required_payload_fields(event_type) if n not in payload]
        raise InvalidEvent(f"{event_type} payload is missing {', '.join(missing)}")


@cache
def _rules() -> tuple:
    """What check_envelope compares against, read from the contract once: the required fields,
    the event types, (field, its pattern's fullmatch, what it means) and the aggregate types.
    A required field that is present but null fails its own check."""
    patterns = tuple(
        (name, pattern.fullmatch, what) for name, (pattern, what) in _patterns().items()
    )
    return (
        frozenset(contract.required_envelope_fields()),
        frozenset(contract.event_types()),
        patterns,
        frozenset(contract.aggregate_types()),
    )


@cache
def _payload_fields(event_type: str) -> frozenset[str]:
    return frozenset(contract.required_payload_fields(event_type))


@cache
def _patterns() -> dict[str, tuple[re.Pattern, str]]:
    what = {
        "event_id": "a ULID (26 characters of Crockford base32) or a UUID",
        "timestamp": "an ISO-8601 time with a UTC offset, e.g. 2026-01-01T10:00:00+00:00",
        "project_uuid": "a UUID",
    }
    return {name: (re.compile(contract.field_pattern(name)), text) for name, text in what.items()}
