import io
import json

import pytest
from factories import envelope
from kitty_testing import fill_queue
from spec_kitty.jsonl import MalformedLine
from spec_kitty.queue.store import Queue
from spec_kitty.sync.ack import apply_results
from sync_support import queued_ids


def lines(*results) -> io.BufferedReader:
    data = "".join(json.dumps(r) + "\n" for r in results).encode()
    return io.BufferedReader(io.BytesIO(data))


def apply(stream, max_rejections=5):
    rejections, notes = [], []
    with Queue() as queue:
        summary = apply_results(stream, queue, max_rejections, rejections.append, notes.append)
    return summary, rejections, notes


def failed_row(event_id):
    with Queue() as queue:
        return queue.db.execute(
            "SELECT status, retry_count, last_error, last_error_category, last_attempt_at"
            " FROM events WHERE event_id = ?",
            (event_id,),
        ).fetchone()


def test_success_and_duplicate_leave_the_queue_rejections_stay_with_their_reason():
    events = [envelope(i) for i in range(3)]
    ids = [e["event_id"] for e in events]
    fill_queue(events)

    summary, rejections, notes = apply(
        lines(
            {"event_id": ids[0], "status": "success"},
            {"event_id": ids[1], "status": "duplicate"},
            {
                "event_id": ids[2],
                "status": "rejected",
                "error": "unknown lane 'claimed'",
                "category": "unknown_lane",
                "event_type": "WPStatusChanged",
            },
            {"event_id": "01JZZZZZZZ0000000000000000", "status": "success"},
        )
    )

    assert queued_ids() == [ids[2]]
    status, retries, error, category, attempted = failed_row(ids[2])
    assert (status, retries, error, category) == (
        "pending",
        1,
        "unknown lane 'claimed'",
        "unknown_lane",
    )
    assert attempted
    assert (summary.success, summary.duplicate, summary.rejected, summary.unknown_event) == (
        1,
        1,
        1,
        1,
    )
    assert rejections[0]["outcome"] == "rejected" and rejections[0]["retry_count"] == 1
    assert any("01JZZZZZZZ0000000000000000" in n for n in notes)


def test_repeated_rejections_dead_letter_the_event():
    event = envelope(0)
    fill_queue([event])
    rejected = {"event_id": event["event_id"], "status": "rejected", "error": "bad"}

    for _ in range(2):
        summary, rejections, _ = apply(lines(rejected), max_rejections=2)

    assert summary.dead_lettered == 1
    assert rejections[0]["outcome"] == "dead_lettered" and rejections[0]["retry_count"] == 2
    assert failed_row(event["event_id"])[0] == "failed"


def test_a_rejection_for_the_servers_own_fault_is_not_counted_against_the_event():
    event = envelope(0)
    fill_queue([event])
    fault = {
        "event_id": event["event_id"],
        "status": "rejected",
        "error": "database is locked",
        "category": "server_error",
    }

    for _ in range(3):
        summary, rejections, _ = apply(lines(fault), max_rejections=2)

    assert summary.kept == 1 and summary.rejected == summary.dead_lettered == 0
    assert rejections == [{**fault, "outcome": "kept", "retry_count": 0}]
    assert failed_row(event["event_id"])[:3] == ("pending", 0, None)


def test_a_malformed_line_stops_after_applying_the_lines_before_it():
    events = [envelope(i) for i in range(2)]
    fill_queue(events)
    data = (
        json.dumps({"event_id": events[0]["event_id"], "status": "success"})
        + "\n{broken\n"
        + json.dumps({"event_id": events[1]["event_id"], "status": "success"})
        + "\n"
    ).encode()

    with pytest.raises(MalformedLine, match="line 2"):
        apply(io.BufferedReader(io.BytesIO(data)))

    assert queued_ids() == [events[1]["event_id"]]


def test_a_result_whose_error_is_not_text_is_a_malformed_line_not_a_storage_failure():
    events = [envelope(i) for i in range(2)]
    fill_queue(events)
    data = (
        json.dumps({"event_id": events[0]["event_id"], "status": "success"})
        + "\n"
        + json.dumps({"event_id": events[1]["event_id"], "status": "rejected", "error": {"a": 1}})
        + "\n"
    ).encode()

    with pytest.raises(MalformedLine, match="line 2: error must be a string, got dict"):
        apply(io.BufferedReader(io.BytesIO(data)))

    assert queued_ids() == [events[1]["event_id"]]


def test_queue_ack_script_writes_rejections_then_a_summary(script):
    events = [envelope(i) for i in range(2)]
    fill_queue(events)
    results = (
        json.dumps({"event_id": events[0]["event_id"], "status": "success"})
        + "\n"
        + json.dumps({"event_id": events[1]["event_id"], "status": "rejected", "error": "no"})
        + "\n"
        + json.dumps({"event_id": "01JZZZZZZZ0000000000000000", "status": "success"})
        + "\n"
    )

    done = script("queue-ack", input=results)

    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode == 1  # one result named an event that is not queued
    assert out[0]["event_id"] == events[1]["event_id"] and out[0]["outcome"] == "rejected"
    assert out[-1] == {
        "summary": {
            "success": 1,
            "duplicate": 0,
            "rejected": 1,
            "dead_lettered": 0,
            "kept": 0,
            "held": 0,
            "unknown_event": 1,
            "ignored": 0,
        }
    }
    assert b"01JZZZZZZZ0000000000000000" in done.stderr
    assert queued_ids() == [events[1]["event_id"]]
