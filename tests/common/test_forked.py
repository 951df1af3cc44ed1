"""Items made by a forked child process: in order, with the child's failure raised after them."""

import os
import signal

import pytest
from spec_kitty import forked
from spec_kitty.jsonl import MalformedLine, ScriptError


def numbers_then(failure):
    yield from (1, 2)
    failure()


def test_items_arrive_in_order_and_the_childs_exception_after_them():
    def malformed():
        raise MalformedLine(7, "not JSON")

    received = []
    with pytest.raises(MalformedLine) as raised:
        for item in forked.in_child(numbers_then(malformed)):
            received.append(item)
    assert received == [1, 2]
    assert (raised.value.lineno, raised.value.exit_code) == (7, 2)


def test_a_child_that_dies_is_reported_not_taken_for_the_end():
    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    received = []
    with pytest.raises(ScriptError, match="stopped unexpectedly"):
        for item in forked.in_child(numbers_then(die)):
            received.append(item)
    assert received == [1, 2]


def test_the_generator_goes_on_from_where_the_caller_left_it():
    numbers = iter(range(10))
    assert [next(numbers), next(numbers)] == [0, 1]
    assert list(forked.in_child(numbers)) == list(range(2, 10))


def test_without_a_process_to_fork_the_caller_makes_the_items(monkeypatch):
    def no_fork():
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    assert list(forked.in_child(iter(range(5)))) == [0, 1, 2, 3, 4]
