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
    two_processes: bool = False,
) -> Iterator[list[dict]]:
    """Yield one result per record, in input order, a batch at a time: queued, duplicate or
    invalid (with reason).

    `lines` are (record, its JSON line) as jsonl.read_lines gives them: a full envelope is kept
    as it was written, a bare record as completed. Records are inserted `batch` at a time, each
    batch in one transaction; the results of a batch are yielded once it is committed, so what
    was reported queued is on disk. A malformed line ends the stream after the lines before it.

    With `two_processes` (a single-threaded caller; see spec_kitty.forked), input longer than
    one batch is read and checked by a forked process while this one inserts the batch before:
    on two cores, half again as fast. A first batch that is the whole input is handled here,
    without a fork.
    """
    checked = _checked_chunks(lines, identity, batch)
    for results, rows in checked:
        yield _stored(results, rows, queue)
        if two_processes and len(results) == batch:
            from spec_kitty import forked  # here: it loads pickle, which a short input never needs

            if forked.available():
                checked = forked.in_child(checked)
                yield from (_stored(results, rows, queue) for results, rows in checked)
                return


def _checked_chunks(
    lines: Iterable[tuple[dict, bytes]], identity: Callable[[], ProjectIdentity], batch: int
) -> Iterator[tuple[list[dict], list[tuple]]]:
    """(results so far, rows to insert) for each `batch` records; the records before a
    malformed line, then MalformedLine."""
    shared = _Shared(cache(identity), clock.Reservations().take)
    chunk: list[tuple[dict, bytes]] = []
    try:
        for line in lines:
            chunk.append(line)
            if len(chunk) >= batch:
                yield _check_chunk(chunk, shared)
                chunk = []
    except MalformedLine:
        if chunk:
            yield _check_chunk(chunk, shared)
        raise
    if chunk:
        yield _check_chunk(chunk, shared)


class _Shared(NamedTuple):
    """What every record of a stream shares: the project, read once, and clock values, from
    ranges reserved a few times a stream rather than once a batch."""

    identity: Callable[[], ProjectIdentity]
    tick: Callable[[int], tuple[str, range]]


def _stored(results: list[dict], rows: list[tuple], queue: Queue) -> list[dict]:
    """`results` once `rows` are inserted: a queued event the queue already held is a duplicate."""
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
