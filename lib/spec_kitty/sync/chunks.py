"""Cutting a stream of event lines into request-sized chunks, without re-serialising them.

Each event keeps its original JSON text, so a request body is the lines joined with commas; only
the fields needed to match results (and to describe a rejection) are read out of it.
"""

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from spec_kitty.jsonl import MalformedLine

DEFAULT_CHUNK_EVENTS = 1000
DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024


@dataclass(slots=True)
class Outgoing:
    event_id: str
    text: bytes
    event_type: object = None
    aggregate_id: object = None


def read_events(lines: Iterable[bytes]) -> Iterator[Outgoing]:
    """Each non-blank line as an Outgoing event; MalformedLine at the first unusable one."""
    loads = json.loads
    for lineno, raw in enumerate(lines, 1):
        text = raw.strip()
        if not text:
            continue
        try:
            event = loads(text)
        except UnicodeDecodeError:
            raise MalformedLine(lineno, "not UTF-8 text") from None
        except json.JSONDecodeError as exc:
            raise MalformedLine(lineno, f"not JSON: {exc.msg} at column {exc.colno}") from None
        if not isinstance(event, dict):
            raise MalformedLine(lineno, f"expected a JSON object, got {type(event).__name__}")
        event_id = event.get("event_id")
        if not isinstance(event_id, str) or not event_id:
            raise MalformedLine(lineno, "the event has no event_id")
        yield Outgoing(event_id, text, event.get("event_type"), event.get("aggregate_id"))


def chunked(
    events: Iterable[Outgoing],
    max_events: int = DEFAULT_CHUNK_EVENTS,
    max_bytes: int = DEFAULT_CHUNK_BYTES,
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
