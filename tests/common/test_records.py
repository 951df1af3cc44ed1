"""The records that cross the pipes between the scripts: what one stage writes, the next reads."""

import argparse
import json

import pytest
from spec_kitty.jsonl import MalformedLine, dumps
from spec_kitty.records import (
    AckOutcome,
    ResultStatus,
    applied,
    read_applied,
    read_result,
    rejected_result,
    result,
    result_text,
    summary_line,
    unsent,
    unsent_failure,
)
from spec_kitty.result_tally import ResultTally
from spec_kitty.sync.ack import AckSummary
from spec_kitty.sync.send_options import (
    DEFAULTS,
    SendOptions,
    add_send_flags,
    from_args,
    send_arguments,
)

EVENT_ID = "01HZZZZZZZZZZZZZZZZZZZZZZZ"


def test_a_result_line_is_read_back_as_written_with_the_status_as_its_plain_value():
    settled = result(EVENT_ID, ResultStatus.DUPLICATE)
    rejected = rejected_result(EVENT_ID, "bad lane", "unknown_lane", "unknown_lane", "T", "WP01")

    assert result_text(settled) == f'{{"event_id":"{EVENT_ID}","status":"duplicate"}}\n'
    assert result_text(settled) == dumps(settled) + "\n"
    for line in (settled, rejected):
        assert read_result(result_text(line).encode(), 1) == line
    assert list(rejected) == [
        "event_id",
        "status",
        "error",
        "error_code",
        "category",
        "event_type",
        "aggregate_id",
    ]


def test_a_result_line_without_an_event_id_is_refused_naming_the_line():
    with pytest.raises(MalformedLine, match=r"^line 3: a result needs an event_id$"):
        read_result(b'{"status": "success"}', 3)


def test_queue_ack_lines_are_read_back_by_sync_now():
    summary = AckSummary(success=3, duplicate=2, rejected=1, held=1)
    line = json.loads(dumps(summary_line(summary)))
    assert list(line["summary"]) == [
        "success",
        "duplicate",
        "rejected",
        "dead_lettered",
        "kept",
        "held",
        "unknown_event",
        "ignored",
    ]
    assert read_applied(line) == ResultTally(success=3, duplicate=2, rejected=1)

    rejection = applied(rejected_result(EVENT_ID, "no"), AckOutcome.DEAD_LETTERED, 5)
    read = read_applied(json.loads(dumps(rejection)))
    assert read["outcome"] == "dead_lettered" and read["retry_count"] == 5


def test_an_unsent_line_becomes_a_failure_whose_error_says_what_was_expected():
    event = {"event_id": EVENT_ID, "event_type": "WPStatusChanged", "aggregate_id": "WP01"}
    line = json.loads(dumps(unsent(event, "unknown lane 'merged' in to_lane", "one of planned")))

    failure = unsent_failure(line, AckOutcome.HELD)

    assert failure == {
        **event,
        "status": "invalid",
        "category": "unknown_lane",
        "error": "unknown lane 'merged' in to_lane: expected one of planned",
        "outcome": "held",
    }


def test_the_send_flags_sync_now_passes_give_batch_send_the_same_options():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server")
    add_send_flags(parser)
    given = SendOptions(server="https://x.test", chunk_events=7, timeout=2.5, backoff=0.0)

    args = parser.parse_args(send_arguments(given))

    assert from_args(args, server=args.server) == given
    assert from_args(parser.parse_args([]), server=None) == DEFAULTS
