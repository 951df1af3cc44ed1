"""Enqueueing a stream of records: complete, check, insert in batches, report each one."""

from collections.abc import Callable, Iterable, Iterator
from functools import cache
from typing import NamedTuple

from spec_kitty.events import clock
from spec_kitty.events.collapse import check_lanes
from spec_kitty.events.complete import complete, is_bare
from spec_kitty.events.envelope import InvalidEvent, check_envelope
from spec_kitty.jsonl import MalformedLine
from spec_kitty.project import NotAProject, ProjectIdentity
from spec_kitty.queue.store import Queue, queue_row
from spec_kitty.records import EnqueueStatus, enqueued, not_completed
from spec_kitty.strict_json import lone_surrogate_path, surrogate_problem

BATCH = 2000


def enqueue_batches(
    lines: Iterable[tuple[dict, bytes]],
    queue: Queue,
    identity: Callable[[], ProjectIdentity],
    batch: int = BATCH,
) -> Iterator[list[dict]]:
    """Yield one result per record, in input order, a batch at a time: queued, duplicate or
    invalid (with reason).

    `lines` are (record, its JSON line) as jsonl.read_lines gives them: a full envelope is kept
    as it was written, a bare record as completed. Records are inserted `batch` at a time, each
    batch in one transaction; the results of a batch are yielded once it is committed, so what
    was reported queued is on disk.
    """
    shared = _Shared(cache(identity), clock.Reservations().take)
    chunk: list[tuple[dict, bytes]] = []
    try:
        for line in lines:
            chunk.append(line)
            if len(chunk) >= batch:
                yield _enqueue_chunk(chunk, queue, shared)
                chunk = []
    except MalformedLine:
        # The lines before a malformed one are still handled, then reading stops.
        yield _enqueue_chunk(chunk, queue, shared)
        raise
    yield _enqueue_chunk(chunk, queue, shared)


class _Shared(NamedTuple):
    """What every record of a stream shares: the project, read once, and clock values, from
    ranges reserved a few times a stream rather than once a batch."""

    identity: Callable[[], ProjectIdentity]
    tick: Callable[[int], tuple[str, range]]


def _enqueue_chunk(chunk: list[tuple[dict, bytes]], queue: Queue, shared: _Shared) -> list[dict]:
    results, rows = _check_chunk(chunk, shared)
    inserted = iter(queue.add(rows)) if rows else iter(())
    for result in results:
        if result["status"] == EnqueueStatus.QUEUED and not next(inserted):
            result["status"] = EnqueueStatus.DUPLICATE
    return results


def _check_chunk(
    chunk: list[tuple[dict, bytes]], shared: _Shared
) -> tuple[list[dict], list[tuple]]:
    """Each record's result so far (queued or invalid) and the rows to insert for the queued."""
    bare = [record for record, _ in chunk if is_bare(record)]
    try:
        completed = iter(complete(bare, shared.identity, shared.tick))
    except NotAProject as exc:
        completed, bare_error = None, str(exc)
    results: list[dict] = []
    rows = []
    for record, line in chunk:
        text = None
        if is_bare(record):
            if completed is None:
                results.append(not_completed(bare_error))
                continue
            record = next(completed)
        else:
            text = line.decode()
        result, row = _check(record, text, line)
        results.append(result)
        if row:
            rows.append(row)
    return results, rows


def _check(event: dict, text: str | None, line: bytes) -> tuple[dict, tuple | None]:
    """The envelope contract, and lanes that can be sent: an unknown lane is refused here, named
    with the accepted ones, rather than queued to be held at the next sync."""
    event_id = event.get("event_id")
    # A \ud800 escape is valid JSON but not text: such an event can be neither stored nor sent.
    if b"\\u" in line and (where := lone_surrogate_path(event)):
        known = None if where == "event_id" else event_id
        return enqueued(known, EnqueueStatus.INVALID, surrogate_problem(where)), None
    try:
        check_envelope(event)
        check_lanes(event)
        row = queue_row(event, text)
    except (InvalidEvent, ValueError) as exc:
        return enqueued(event_id, EnqueueStatus.INVALID, str(exc)), None
    return enqueued(event_id, EnqueueStatus.QUEUED), row


def project_identity(uuid: str | None, slug: str | None) -> Callable[[], ProjectIdentity]:
    """The identity given on the command line, else the current project's, looked up lazily."""
    if uuid:
        return lambda: ProjectIdentity(uuid, slug or uuid)
    from spec_kitty.project import find_root, load_identity

    return lambda: load_identity(find_root())
