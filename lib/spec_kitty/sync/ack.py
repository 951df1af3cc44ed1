"""queue-ack's work: apply batch-send's result lines to the queue as they arrive.

Lines are applied in one transaction per read from the pipe, which is one batch-send chunk when
the two run side by side, so an acknowledgement is on disk moments after the server gave it.
A rejection for a fault of the server's own (category server_error) is reported but not counted
against the event: it stays queued as it was, and is never dead-lettered for the server's sake. A
conflict (the server holds another event under the same id) is dead-lettered at once: sending the
event again can never change the answer. An `invalid` line (collapse-lanes' report of an event it
cannot send) holds that event.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO

from spec_kitty.jsonl import MalformedLine
from spec_kitty.queue.store import Queue
from spec_kitty.records import (
    EXPECTED_STATUSES,
    AckOutcome,
    ResultStatus,
    applied,
    read_result,
)
from spec_kitty.result_tally import ResultTally

READ_SIZE = 1 << 16
MAX_BATCH = 5000
SHOWN_IDS = 10
SERVER_FAULT = "server_error"
CONFLICT = "conflict"


@dataclass
class AckSummary(ResultTally):
    """The server's verdicts applied, and the outcomes beyond them (an AckOutcome each)."""

    dead_lettered: int = 0
    kept: int = 0
    held: int = 0
    unknown_event: int = 0
    ignored: int = 0

    def describe(self) -> str:
        text = (
            f"removed {self.success + self.duplicate} from the queue "
            f"({self.success} accepted, {self.duplicate} duplicate), "
            f"{self.rejected + self.dead_lettered} rejected"
        )
        if self.dead_lettered:
            text += f" ({self.dead_lettered} now dead-lettered)"
        if self.kept:
            text += f", {self.kept} kept as they were (the server failed on them)"
        if self.held:
            text += f", {self.held} held (cannot be sent as they are; see sync-diagnose)"
        if self.unknown_event or self.ignored:
            text += f", {self.unknown_event} not in the queue, {self.ignored} with unknown status"
        return text


def line_batches(stream: IO[bytes], max_lines: int = MAX_BATCH) -> Iterator[list[bytes]]:
    """The complete lines of each read from `stream`, as soon as they arrive."""
    rest = b""
    while data := stream.read1(READ_SIZE):
        lines = (rest + data).split(b"\n")
        rest = lines.pop()
        for start in range(0, len(lines), max_lines):
            yield lines[start : start + max_lines]
    if rest:
        yield [rest]


def apply_results(
    stream: IO[bytes],
    queue: Queue,
    max_rejections: int,
    on_rejection: Callable[[dict], None],
    notify: Callable[[str], None],
) -> AckSummary:
    """Apply every result line of `stream`; `on_rejection` gets each rejection with its outcome
    and retry count. A malformed line stops the run after the lines before it are applied."""
    applier = _Applier(queue, max_rejections, on_rejection, notify)
    lineno = 0
    try:
        for lines in line_batches(stream):
            results, error = [], None
            for raw in lines:
                lineno += 1
                if raw.strip():
                    try:
                        results.append(read_result(raw, lineno))
                    except MalformedLine as exc:
                        error = exc
                        break
            if results:
                applier.apply(results)
            if error:
                raise error
    finally:
        applier.report_unknown()
    return applier.summary


class _Applier:
    def __init__(self, queue, max_rejections, on_rejection, notify):
        self.queue, self.max_rejections = queue, max_rejections
        self.on_rejection, self.notify = on_rejection, notify
        self.summary = AckSummary()
        self.unknown_shown: list[str] = []

    def apply(self, results: list[dict]) -> None:
        """One transaction for `results`, then the rejections are passed on with retry counts."""
        summary = self.summary
        faults = [r for r in results if _server_fault(r)]
        if faults:
            results = [r for r in results if not _server_fault(r)]
        rejected = self._kept(faults)
        conflicts = [r for r in results if _conflict(r)]
        if conflicts:
            results = [r for r in results if not _conflict(r)]
        answered = list(zip(results, self.queue.ack(results, self.max_rejections), strict=True))
        if conflicts:
            answered += zip(conflicts, self.queue.ack(conflicts, max_rejections=1), strict=True)
        for result, outcome in answered:
            if outcome == AckOutcome.REMOVED:
                summary.count(ResultStatus(result["status"]))
            elif outcome in (AckOutcome.REJECTED, AckOutcome.DEAD_LETTERED, AckOutcome.HELD):
                setattr(summary, outcome, getattr(summary, outcome) + 1)
                rejected.append((result, outcome))
            elif outcome == AckOutcome.UNKNOWN_EVENT:
                self._unknown(result["event_id"])
            else:
                summary.ignored += 1
                self.notify(
                    f"result for {result['event_id']} has status {result.get('status')!r} "
                    f"(expected {EXPECTED_STATUSES}); the event stays queued"
                )
        if rejected:
            counts = self.queue.retry_counts([r["event_id"] for r, _ in rejected])
            for result, outcome in rejected:
                self.on_rejection(applied(result, outcome, counts.get(result["event_id"])))

    def _kept(self, faults: list[dict]) -> list[tuple[dict, AckOutcome]]:
        """Rejections for the server's own faults, left in the queue untouched."""
        present = self.queue.retry_counts([r["event_id"] for r in faults]) if faults else {}
        kept = []
        for result in faults:
            if result["event_id"] in present:
                self.summary.kept += 1
                kept.append((result, AckOutcome.KEPT))
            else:
                self._unknown(result["event_id"])
        return kept

    def _unknown(self, event_id: str) -> None:
        self.summary.unknown_event += 1
        if len(self.unknown_shown) < SHOWN_IDS:
            self.unknown_shown.append(event_id)

    def report_unknown(self) -> None:
        count = self.summary.unknown_event
        if not count:
            return
        more = f" and {count - len(self.unknown_shown)} more" if count > SHOWN_IDS else ""
        self.notify(
            f"{count} result(s) name events not in the queue (ignored): "
            f"{', '.join(self.unknown_shown)}{more}"
        )


def _server_fault(result: dict) -> bool:
    return result.get("status") == ResultStatus.REJECTED and result.get("category") == SERVER_FAULT


def _conflict(result: dict) -> bool:
    return result.get("status") == ResultStatus.REJECTED and result.get("category") == CONFLICT
