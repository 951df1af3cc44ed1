"""sync-now SIGKILLed at seeded random points against the reference server, then run again.

Each round queues new events, starts sync-now and kills it: the whole process group after a random
delay (often before the first request), once the server has stored a random number of the round's
events (mid-response or between chunks), or a single stage (batch-send mid-send, queue-ack while
applying). Right after the kill every event is on the server or still queued, with no retry counted
against it; one more sync-now empties the queue, counting as new exactly the events the server
did not have, and the server holds every event once.
"""

import os
import random
import signal
import time

import pytest
from factories import envelope
from faults_support import (
    children,
    kill_group,
    queue_rows,
    settled,
    start,
    stored_tokens,
    summary_counts,
    sync_now,
)
from kitty_testing import fill_queue, login

ROUNDS = 7


def stored_ids(server) -> list[str]:
    return [event["event_id"] for event in server.stored_events()]


def wait_until(condition, limit: float = 20.0) -> None:
    deadline = time.monotonic() + limit
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.001)


def interrupt(rng: random.Random, server, size: int) -> tuple[str, bytes]:
    """Start sync-now on a queue of `size` events and kill it somewhere; how, and its output."""
    before = server.store.count()
    sync = start("spec-kitty", "sync-now", "--chunk-size", "10")
    how = rng.choice(["at a random time", "after k stored", "once all are stored", "one stage"])
    if how == "at a random time":
        time.sleep(rng.uniform(0.0, 0.8))
    elif how == "after k stored":
        k = rng.randint(1, size)
        wait_until(lambda: server.store.count() >= before + k)
        time.sleep(rng.uniform(0.0, 0.02))
    elif how == "once all are stored":
        # The last chunk's results are on their way to queue-ack, or being applied.
        wait_until(lambda: server.store.count() >= before + size)
    else:
        stage = rng.choice(["batch-send", "queue-ack"])
        wait_until(lambda: stage in children(sync.pid) or sync.poll() is not None)
        time.sleep(rng.uniform(0.0, 0.12))
        pid = children(sync.pid).get(stage)
        if pid:
            os.kill(pid, signal.SIGKILL)
        out, err = sync.communicate(timeout=60)
        assert b"Traceback" not in err, err.decode()
        return f"{stage} killed", out + err
    return how, kill_group(sync)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sync_now_killed_anywhere_loses_nothing_and_stores_each_event_once(reference_server, seed):
    rng = random.Random(seed)
    login(reference_server.url)
    every: set[str] = set()
    phases: dict[str, int] = {}
    next_index = seed * 100_000
    for _ in range(ROUNDS):
        events = [envelope(next_index + i) for i in range(rng.randint(30, 200))]
        next_index += len(events)
        round_ids = {e["event_id"] for e in events}
        every |= round_ids
        fill_queue(events)

        how, printed = interrupt(rng, reference_server, len(events))

        settled(reference_server.store.count)
        on_server = set(stored_ids(reference_server))
        rows = queue_rows()
        assert every <= on_server | rows.keys(), f"lost after '{how}'"
        assert {row["retry_count"] for row in rows.values()} <= {0}, how
        reached = len(round_ids & on_server)
        phase = (
            "before any event was stored"
            if reached == 0
            else "mid-way"
            if reached < len(round_ids)
            else "all stored, some unacknowledged"
            if rows
            else "after the sync finished"
        )
        phases[f"{how}: {phase}"] = phases.get(f"{how}: {phase}", 0) + 1

        again = sync_now("--chunk-size", "10")
        for token in stored_tokens():
            assert token not in printed + again.stdout + again.stderr

        assert again.returncode == 0, again.stderr.decode()
        # What the server already had is answered duplicate, never counted as new.
        assert summary_counts(again.stdout) == (
            len(rows.keys() - on_server),
            len(rows.keys() & on_server),
            0,
        ), how
        assert queue_rows() == {}
        stored = stored_ids(reference_server)
        assert len(stored) == len(set(stored)) and set(stored) == every
    print(f"seed {seed} kill points: {phases}")
