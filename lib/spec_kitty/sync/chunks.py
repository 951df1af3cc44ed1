"""Cutting a stream of event lines into request-sized chunks, without re-serialising them.

Each event keeps its original JSON text, so a request body is the lines joined with commas. A line
in the shape every stage of the pipeline writes (`{"event_id":"...",...}`) has its id read without
parsing the rest: parsing every event would cost batch-send more than everything else it does.
Such a line is checked in full only when the server refuses a batch as a whole (`first_malformed`),
which is where a broken line would show; any other line is parsed and checked at once.
"""

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from spec_kitty.jsonl import MalformedLine, parse_line

_LEADING_ID = re.compile(rb'\{"event_id":"([^"\\]+)"')


@dataclass(slots=True)
class Outgoing:
    event_id: str
    text: bytes
    lineno: int

    def described(self) -> tuple[object, object, bool]:
        """(event_type, aggregate_id, whether its payload names a lane), read when a rejection
        needs them."""
        try:
            event = json.loads(self.text)
        except ValueError:
            return None, None, False
        if not isinstance(event, dict):
            return None, None, False
        payload = event.get("payload")
        lanes = isinstance(payload, dict) and ("from_lane" in payload or "to_lane" in payload)
        return event.get("event_type"), event.get("aggregate_id"), lanes


def read_events(lines: Iterable[bytes]) -> Iterator[Outgoing]:
    """Each non-blank line as an Outgoing event; MalformedLine at the first unusable one."""
    for lineno, raw in enumerate(lines, 1):
        text = raw.strip()
        if not text:
            continue
        leading = _LEADING_ID.match(text)
        if leading and text.endswith(b"}") and leading.group(1).isascii():
            yield Outgoing(leading.group(1).decode(), text, lineno)
        else:
            yield Outgoing(checked_id(text, lineno), text, lineno)


def checked_id(text: bytes, lineno: int) -> str:
    """The event_id of a line that must be a JSON object with one; MalformedLine otherwise."""
    event_id = parse_line(text, lineno).get("event_id")
    if not isinstance(event_id, str) or not event_id:
        raise MalformedLine(lineno, "the event has no event_id")
    return event_id


def first_malformed(chunk: list[Outgoing]) -> tuple[int, MalformedLine] | None:
    """The position and error of the first event in `chunk` that is not a usable JSON object."""
    for index, event in enumerate(chunk):
        try:
            checked_id(event.text, event.lineno)
        except MalformedLine as exc:
            return index, exc
    return None


def chunked(
    events: Iterable[Outgoing],
    max_events: int,
    max_bytes: int,
) -> Iterator[list[Outgoing]]:
    """Chunks of at most `max_events` events and about `max_bytes` of JSON (one event at least).

    When the input turns out malformed, the chunk read so far is still yielded before the error.
    """
    chunk: list[Outgoing] = []
    size = 0
    try:
        for event in events:
            if chunk and (len(chunk) >= max_events or size + len(event.text) + 1 > max_bytes):
                yield chunk
                chunk, size = [], 0
            chunk.append(event)
            size += len(event.text) + 1
    except MalformedLine:
        if chunk:
            yield chunk
        raise
    if chunk:
        yield chunk


def request_body(chunk: list[Outgoing]) -> bytes:
    return b'{"events":[' + b",".join(event.text for event in chunk) + b"]}"
