"""Enqueueing a stream in batches, in one process or with the checking in a forked second one:
the same results in the same order, the same queue, and a malformed line or an early stop
handled the same way."""

import io
import json
from pathlib import Path

import pytest
from factories import PROJECT_UUID, status_event
from kitty_testing import json_lines, run_installed
from spec_kitty.jsonl import MalformedLine, read_lines
from spec_kitty.project import ProjectIdentity
from spec_kitty.queue.intake import enqueue_batches
from spec_kitty.queue.store import Queue

IDENTITY = ProjectIdentity(PROJECT_UUID, "demo")
BATCH = 3


def stream(*records) -> io.BytesIO:
    return io.BytesIO(b"".join(_line(r) for r in records))


def _line(record) -> bytes:
    return record if isinstance(record, bytes) else json.dumps(record).encode() + b"\n"


def enqueue(path, data: io.BytesIO, two_processes: bool) -> list[list[dict]]:
    with Queue(path) as queue:
        return list(
            enqueue_batches(
                read_lines(data), queue, lambda: IDENTITY, BATCH, two_processes=two_processes
            )
        )


def bare(n: int) -> dict:
    payload = {"error_type": "runtime", "error_message": f"boom {n}"}
    return {"event_type": "ErrorLogged", "aggregate_id": "001-demo", "payload": payload}


def queued_texts(path) -> list[str]:
    with Queue(path) as queue:
        return list(queue.export())


def test_two_processes_give_the_results_and_queue_of_one(spec_kitty_home, tmp_path):
    events = [status_event(wp=f"WP{n:02d}") for n in range(1, 9)]
    unknown_lane = status_event(to_lane="someday")
    unknown_type = {**status_event(), "event_type": "WPRenamed"}
    records = [*events[:4], events[1], unknown_lane, *events[4:], events[6], unknown_type]
    queued_before = events[7]
    for path in (tmp_path / "one.db", tmp_path / "two.db"):
        with Queue(path) as queue:
            queue.add(
                [(queued_before["event_id"], "WPStatusChanged", "2026-01-01T00:00:00Z", "{}")]
            )

    one = enqueue(tmp_path / "one.db", stream(*records), two_processes=False)
    two = enqueue(tmp_path / "two.db", stream(*records), two_processes=True)

    assert two == one
    assert [len(batch) for batch in two] == [3, 3, 3, 3]
    statuses = [result["status"] for batch in two for result in batch]
    assert statuses == ["queued"] * 4 + ["duplicate", "invalid"] + ["queued"] * 3 + [
        "duplicate",
        "duplicate",
        "invalid",
    ]
    assert queued_texts(tmp_path / "two.db") == queued_texts(tmp_path / "one.db")


def test_bare_records_get_distinct_rising_clocks_across_both_processes(spec_kitty_home, tmp_path):
    batches = enqueue(tmp_path / "q.db", stream(*(bare(n) for n in range(10))), True)

    assert [r["status"] for batch in batches for r in batch] == ["queued"] * 10
    clocks = [json.loads(text)["lamport_clock"] for text in queued_texts(tmp_path / "q.db")]
    assert len(set(clocks)) == 10
    assert sorted(clocks) == clocks


def test_a_malformed_line_in_a_later_batch_ends_the_stream_after_the_lines_before_it(
    spec_kitty_home, tmp_path
):
    records = [*(bare(n) for n in range(5)), b"{not json\n", bare(99)]
    batches = enqueue_batches(
        read_lines(stream(*records)), Queue(tmp_path / "q.db"), lambda: IDENTITY, BATCH, True
    )
    results = []
    with pytest.raises(MalformedLine) as raised:
        for batch in batches:
            results.extend(batch)

    assert raised.value.lineno == 6
    assert [r["status"] for r in results] == ["queued"] * 5
    assert len(queued_texts(tmp_path / "q.db")) == 5


def test_a_caller_that_stops_early_leaves_no_second_process_behind(spec_kitty_home, tmp_path):
    before = children()
    with Queue(tmp_path / "q.db") as queue:
        batches = enqueue_batches(
            read_lines(stream(*(bare(n) for n in range(30)))),
            queue,
            lambda: IDENTITY,
            BATCH,
            two_processes=True,
        )
        next(batches)
        next(batches)  # the second batch comes from the forked process
        assert children() - before
        batches.close()
    assert children() == before


def children() -> set[str]:
    """This process's children, zombies included (Linux)."""
    return {
        pid
        for task in Path("/proc/self/task").iterdir()
        for pid in (task / "children").read_text().split()
    }


def test_the_enqueue_script_reports_every_line_of_a_long_stream_in_order(tmp_path):
    events = [status_event(wp=f"WP{n % 90 + 1:02d}") for n in range(4500)]
    events[4300] = status_event(to_lane="someday")
    data = "".join(json.dumps(e) + "\n" for e in events)

    done = run_installed("enqueue", input=data, timeout=120)

    assert done.returncode == 1, done.stderr
    results = json_lines(done.stdout)
    assert [r["event_id"] for r in results] == [e["event_id"] for e in events]
    assert [i for i, r in enumerate(results) if r["status"] != "queued"] == [4300]
    assert "someday" in results[4300]["reason"]
    stats = json.loads(run_installed("queue-stats").stdout)
    assert stats["depth"] == 4499
