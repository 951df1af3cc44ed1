"""`sync-now`: queue-export | collapse-lanes | batch-send | queue-ack, as real OS pipes.

The stages run as separate processes, all at once, data flowing between them through pipes; this
process only watches: it reads collapse-lanes' rejections and queue-ack's rejections and summary,
and checks every stage's exit status (like `set -o pipefail`). queue-ack, the one stage that
writes to the queue, applies each chunk's results as batch-send reports them and keeps going
after Ctrl-C until the sender stops, so an interrupted sync loses nothing; what the server took
but nobody applied is simply answered `duplicate` next time.

Before any stage starts, the sync checks what it can: the queue must take writes (or queue-ack
could not apply what the server stored), the outbox's events are moved into the queue, and held
events this version can send now are released back to pending. An event collapse-lanes cannot
send (a lane this version does not know) is held in the queue once the stages are done, so later
syncs neither resend nor fail on it. batch-send tells why it stopped early (offline, throttled,
...) as a JSON line on stderr, which the summary shows beside what stays queued.
"""

import json
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from spec_kitty.jsonl import EXIT_SOME_FAILED, ScriptError
from spec_kitty.pipes import widen
from spec_kitty.queue.account import take_account
from spec_kitty.queue.emit import drain_outbox
from spec_kitty.queue.held import release_sendable
from spec_kitty.queue.store import Queue, QueueUnavailable
from spec_kitty.records import AckOutcome, is_unsent, read_applied, unsent_failure
from spec_kitty.result_tally import ResultTally
from spec_kitty.sync.last_sync import record_last_sync
from spec_kitty.sync.lock import SyncLock
from spec_kitty.sync.send_options import DEFAULTS as SEND_DEFAULTS
from spec_kitty.sync.send_options import SendOptions, send_arguments
from spec_kitty.sync.stop import Stop, read_stop
from spec_kitty.sync.summary import SyncSummary

STAGES = ("queue-export", "collapse-lanes", "batch-send", "queue-ack")
# Stages whose stderr carries JSON records for this process among the lines for the person.
WATCHED = ("collapse-lanes", "batch-send")
INTERRUPTED = 130


@dataclass
class SyncOptions:
    queue: str | None = None
    # batch-send's options (the server among them): only those not the default are passed on.
    send: SendOptions = SEND_DEFAULTS
    allow_insecure_http: bool = False
    max_rejections: int | None = None
    keep_failures: bool = False


def stage_commands(options: SyncOptions) -> list[list[str]]:
    queue = ["--queue", options.queue] if options.queue else []
    send = ["--progress", "--json-stop", *send_arguments(options.send)]
    if options.allow_insecure_http:
        send.append("--allow-insecure-http")
    ack = [*queue, "--quiet"]
    if options.max_rejections is not None:
        ack += ["--max-rejections", str(options.max_rejections)]
    return [
        [console_script("queue-export"), *queue],
        [console_script("collapse-lanes")],
        [console_script("batch-send"), *send],
        [console_script("queue-ack"), *ack],
    ]


def run_sync(options: SyncOptions, notify: Callable[[str], None]) -> SyncSummary:
    """Run one sync under the sync lock; the summary carries the exit code and is recorded as
    the last sync's."""
    started = datetime.now(UTC)
    summary = SyncSummary()
    commands = stage_commands(options)
    with SyncLock() as lock, Queue(options.queue) as queue:
        _check_writable(queue)
        summary.outbox_queued = drain_outbox(queue)["queued"]
        summary.released = len(release_sendable(queue))
        stages = _start(commands, lock.fd)
        _, collapse, send, ack = stages
        unsent: list[dict] = []
        watchers = [
            threading.Thread(target=_watch, args=(collapse.stderr, _unsent_to(unsent))),
            threading.Thread(target=_watch, args=(send.stderr, _stop_to(summary, notify))),
        ]
        for watcher in watchers:
            watcher.start()
        interrupted = False
        while True:
            try:
                _read_acks(ack.stdout, summary, options.keep_failures)
                codes = [stage.wait() for stage in stages]
                break
            except KeyboardInterrupt:
                # Every stage got the Ctrl-C too; queue-ack finishes applying what the server
                # acknowledged before it, so this process waits for it rather than leaving.
                if not interrupted:
                    notify("interrupted: applying what the server already acknowledged")
                interrupted = True
        for watcher in watchers:
            watcher.join()
        _hold(queue, unsent, summary)
        summary.account = take_account(queue)
    for failure in unsent:
        summary.add_failure(failure, options.keep_failures)
    if interrupted:
        summary.stop = Stop("interrupted", "Ctrl-C")
        summary.exit_code = INTERRUPTED
    else:
        summary.exit_code = _exit_code(codes, summary, notify)
    try:
        record_last_sync(summary, started)
    except (OSError, ScriptError) as exc:
        notify(f"sync-now: the summary could not be kept as the last sync's ({exc})")
    return summary


def _check_writable(queue: Queue) -> None:
    """A queue that cannot take writes now would let the server store events that queue-ack
    then cannot remove: find that out before sending anything."""
    try:
        queue.check_writable()
    except QueueUnavailable as exc:
        raise QueueUnavailable(f"{exc}; nothing was sent") from None


def _start(commands: list[list[str]], lock_fd: int) -> list[subprocess.Popen]:
    """Start every stage at once, each reading the previous one's stdout."""
    stages: list[subprocess.Popen] = []
    upstream = None
    for index, command in enumerate(commands):
        with _interrupts_ignored(STAGES[index] == "queue-ack"):
            stage = subprocess.Popen(
                command,
                stdin=upstream if upstream is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE if STAGES[index] in WATCHED else None,
                pass_fds=(lock_fd,),
            )
        if upstream is not None:
            # Only the two neighbours may hold a pipe, or a stage would never see end-of-input.
            upstream.close()
        upstream = stage.stdout
        widen(upstream.fileno())
        stages.append(stage)
    return stages


@contextmanager
def _interrupts_ignored(ignored: bool):
    """Start a child with Ctrl-C ignored from its first instruction on (an ignored signal stays
    ignored across exec): queue-ack must outlive an interrupted sync to apply what was
    acknowledged, even when the interruption comes while it is still starting up."""
    if not ignored:
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _read_acks(stream, summary: SyncSummary, keep: bool) -> None:
    for raw in stream:
        line = read_applied(json.loads(raw))
        if isinstance(line, ResultTally):
            summary.synced += line.success
            summary.duplicates += line.duplicate
        else:
            summary.add_failure(line, keep)


def _watch(stream, take: Callable[[dict], bool]) -> None:
    """Pass a stage's stderr on to ours line by line, except the JSON records `take` keeps."""
    for raw in stream:
        try:
            record = json.loads(raw)
        except ValueError:
            record = None
        if not (isinstance(record, dict) and take(record)):
            sys.stderr.write(raw.decode(errors="replace"))
            sys.stderr.flush()


def _unsent_to(unsent: list[dict]) -> Callable[[dict], bool]:
    """collapse-lanes reports each event it could not collapse as a JSON line on stderr."""

    def take(record: dict) -> bool:
        if not is_unsent(record):
            return False
        unsent.append(record)
        return True

    return take


def _stop_to(summary: SyncSummary, notify: Callable[[str], None]) -> Callable[[dict], bool]:
    """batch-send tells why it stopped early as a JSON line on stderr; its message is shown
    as batch-send would have shown it."""

    def take(record: dict) -> bool:
        stop = read_stop(record)
        if stop is None:
            return False
        summary.stop = stop
        notify(f"batch-send: {record.get('message') or stop.describe()}")
        return True

    return take


def _hold(queue: Queue, unsent: list[dict], summary: SyncSummary) -> None:
    """Hold what collapse-lanes could not send; each becomes a failure of this run's summary."""
    outcomes = queue.hold(unsent) if unsent else []
    for index, (record, outcome) in enumerate(zip(unsent, outcomes, strict=True)):
        if outcome == AckOutcome.HELD:
            summary.held_new[record["reason"]] = summary.held_new.get(record["reason"], 0) + 1
        unsent[index] = unsent_failure(record, outcome)


def _exit_code(codes: list[int], summary: SyncSummary, notify: Callable[[str], None]) -> int:
    """The first stage failure that is not just "some records failed", like pipefail; else 1
    when this run failed, held or dead-lettered an event, or a damaged queue file may have lost
    some. Events held or dead-lettered by earlier runs are shown in the summary, with what to do,
    but do not fail every later sync (a scheduled sync would otherwise fail until someone acts)."""
    for name, code in zip(STAGES, codes, strict=True):
        if code < 0:
            notify(f"sync-now: {name} was stopped by signal {-code}; nothing was lost")
            return 128 - code
        if code not in (0, EXIT_SOME_FAILED):
            return code
    if summary.failed or any(codes) or summary.account.may_have_lost:
        return EXIT_SOME_FAILED
    return 0


def console_script(name: str) -> str:
    """The stage's console script, from the same installation as this process."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        raise ScriptError(f"cannot find the `{name}` script; reinstall spec-kitty-toolkit")
    return found
