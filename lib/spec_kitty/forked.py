"""An iterator's remaining items produced by a forked child process while the caller uses them.

For a stream whose work splits in two (enqueue: reading and checking records, then inserting
them), the two halves then run on two cores. The child is a fork, so it carries on from the
iterator's exact state (its place in the input included) without importing anything again. Items
come back pickled through a pipe, in order; an exception the child meets is raised in the caller
after the items before it. The child never touches what the caller opened (it leaves by
`os._exit`, running no cleanup), and a caller that stops early ends it.

Only for a single-threaded caller on a system with fork (a fork copies one thread, whatever the
others held); `available()` says whether this one has it.
"""

import os
import pickle
import signal
from collections.abc import Iterator
from typing import TypeVar

from spec_kitty.jsonl import ScriptError
from spec_kitty.pipes import widen

T = TypeVar("T")

_ITEM, _END, _ERROR = "item", "end", "error"


def available() -> bool:
    return hasattr(os, "fork")


def in_child(items: Iterator[T]) -> Iterator[T]:
    """The remaining items of `items`, made by a forked child process as they are taken."""
    read_end, write_end = os.pipe()
    widen(write_end)  # the child runs ahead, rather than waiting for each item to be taken
    try:
        pid = os.fork()
    except OSError:  # no process to be had (a limit, memory): the caller makes the items itself
        os.close(read_end)
        os.close(write_end)
        yield from items
        return
    if pid == 0:
        os.close(read_end)
        _produce(items, write_end)
    os.close(write_end)
    finished = False
    try:
        with open(read_end, "rb") as pipe:
            yield from _received(pipe)
        finished = True
    finally:
        if not finished:  # the caller stopped early, or the child failed: it need not go on
            _stop(pid)
        os.waitpid(pid, 0)


def _produce(items: Iterator, write_end: int) -> None:
    """The child: send each item, then the end or the exception that stopped it; never return."""
    code = 1
    try:
        with open(write_end, "wb") as pipe:
            outcome = (_END, None)
            try:
                for item in items:
                    pickle.dump((_ITEM, item), pipe, pickle.HIGHEST_PROTOCOL)
                    pipe.flush()  # each item reaches the caller as soon as it is made
            except BaseException as exc:  # noqa: BLE001 (every failure is the caller's to report)
                outcome = (_ERROR, _portable(exc))
            pickle.dump(outcome, pipe, pickle.HIGHEST_PROTOCOL)
        code = 0
    finally:
        os._exit(code)  # no cleanup: what the child holds is the caller's (its queue, stdout)


def _received(pipe) -> Iterator:
    while True:
        try:
            kind, value = pickle.load(pipe)
        except EOFError:
            raise ScriptError("the process checking the input stopped unexpectedly") from None
        if kind == _END:
            return
        if kind == _ERROR:
            raise value
        yield value


def _portable(exc: BaseException) -> BaseException:
    """`exc` if it survives pickling, else a ScriptError that says what it was."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # noqa: BLE001 (any failure to pickle: describe it instead)
        return ScriptError(f"{type(exc).__name__}: {exc}")
    return exc


def _stop(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
