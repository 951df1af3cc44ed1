"""The first four scripts end to end, as a shell user chains them."""

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor

from factories import PROJECT_UUID, minutes_ago, status_event
from kitty_testing import VENV_BIN, json_lines
from spec_kitty.queue.store import Queue, queue_row

BARE = {
    "event_type": "WPStatusChanged",
    "aggregate_id": "WP02",
    "payload": {"wp_id": "WP02", "from_lane": "planned", "to_lane": "claimed"},
}


def lines(*records):
    return "".join(json.dumps(r) + "\n" for r in records)


def test_enqueue_completes_bare_records_from_the_project_config(script, tmp_path):
    (tmp_path / ".kittify").mkdir()
    (tmp_path / ".kittify" / "config.yaml").write_text(
        f"project:\n  uuid: {PROJECT_UUID}\n  slug: demo\n"
    )
    done = script("enqueue", input=lines(BARE, BARE), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    results = json_lines(done.stdout)
    assert [r["status"] for r in results] == ["queued", "queued"]
    events = json_lines(script("queue-export").stdout)
    assert [e["event_id"] for e in events] == [r["event_id"] for r in results]
    first, second = events
    assert first["project_uuid"] == PROJECT_UUID and first["project_slug"] == "demo"
    assert first["aggregate_type"] == "WorkPackage"
    assert second["lamport_clock"] == first["lamport_clock"] + 1
    assert first["node_id"] == second["node_id"]


def test_enqueue_of_many_bare_records_gives_each_its_own_id_and_a_rising_clock(script):
    records = [
        {**BARE, "aggregate_id": f"WP{n % 90 + 10}", "payload": {**BARE["payload"], "n": n}}
        for n in range(4500)  # three batches
    ]
    records[2100]["event_id"] = "01HV0000000000000000000000"
    done = script("enqueue", "--project-uuid", PROJECT_UUID, input=lines(*records))
    assert done.returncode == 0, done.stderr
    results = json_lines(done.stdout)
    assert {r["status"] for r in results} == {"queued"} and len(results) == 4500
    assert results[2100] == {"event_id": "01HV0000000000000000000000", "status": "queued"}
    events = {e["event_id"]: e for e in json_lines(script("queue-export").stdout)}
    queued = [events[r["event_id"]] for r in results]
    assert [e["payload"]["n"] for e in queued] == list(range(4500))
    clocks = [e["lamport_clock"] for e in queued]
    assert clocks == sorted(set(clocks))
    assert len({e["node_id"] for e in queued}) == 1
    assert script("enqueue", "--project-uuid", PROJECT_UUID, input=lines(BARE)).returncode == 0
    [later] = [e for e in json_lines(script("queue-export").stdout) if e["event_id"] not in events]
    assert later["lamport_clock"] > clocks[-1]


def test_enqueue_reports_duplicates_and_invalid_records(script):
    event = status_event()
    broken = status_event(payload={"wp_id": "WP01"})
    done = script("enqueue", input=lines(event, event, broken))
    assert done.returncode == 1
    assert [(r["event_id"], r["status"]) for r in json_lines(done.stdout)] == [
        (event["event_id"], "queued"),
        (event["event_id"], "duplicate"),
        (broken["event_id"], "invalid"),
    ]
    assert "payload is missing to_lane" in json_lines(done.stdout)[2]["reason"]


def test_enqueue_refuses_a_lane_nobody_knows_and_takes_the_ones_spec_kitty_writes(script):
    known = [
        status_event(from_lane="in_review", to_lane="approved"),
        status_event(from_lane="genesis", to_lane="planned"),
        status_event(from_lane="approved", to_lane="done"),
    ]
    unknown = status_event(from_lane="for_review", to_lane="reviewed")
    bare = {**BARE, "payload": {**BARE["payload"], "from_lane": "Planned"}}
    done = script("enqueue", "--project-uuid", PROJECT_UUID, input=lines(*known, unknown, bare))
    assert done.returncode == 1
    results = json_lines(done.stdout)
    assert [r["status"] for r in results] == ["queued"] * 3 + ["invalid"] * 2
    assert results[3] == {
        "event_id": unknown["event_id"],
        "status": "invalid",
        "reason": "unknown lane 'reviewed' in to_lane: expected one of planned, claimed, "
        "in_progress, for_review, done, blocked, canceled, approved, in_review, genesis, doing",
    }
    assert results[4]["reason"].startswith("unknown lane 'Planned' in from_lane: expected one of")
    queued = [e["event_id"] for e in json_lines(script("queue-export").stdout)]
    assert queued == [e["event_id"] for e in known]


def test_bare_records_outside_a_project_are_invalid_with_the_fix(script, tmp_path):
    done = script("enqueue", input=lines(BARE), cwd=tmp_path)
    assert done.returncode == 1
    [result] = json_lines(done.stdout)
    assert result["status"] == "invalid"
    assert "spec-kitty init" in result["reason"]


def test_a_malformed_line_stops_after_queueing_the_lines_before_it(script):
    good = status_event()
    done = script("enqueue", input=lines(good) + "{oops\n" + lines(status_event()))
    assert done.returncode == 2
    assert done.stderr.decode().strip() == (
        "enqueue: line 2: not JSON: Expecting property name enclosed in double quotes at column 2"
    )
    assert b"Traceback" not in done.stderr
    assert [e["event_id"] for e in json_lines(script("queue-export").stdout)] == [good["event_id"]]


def test_export_collapse_pipeline_in_a_real_shell(script, tmp_path):
    events = [
        status_event(to_lane="claimed", at=minutes_ago(3)),
        status_event(from_lane="claimed", to_lane="canceled", at=minutes_ago(2)),
        status_event(from_lane="for_review", to_lane="approved", at=minutes_ago(1)),
        status_event(from_lane="approved", to_lane="merged", at=minutes_ago(0.5)),
    ]
    with Queue() as queue:  # as an older version queued it, before enqueue checked lanes
        queue.add([queue_row(event) for event in events])
    piped = subprocess.run(
        f"set -o pipefail; {VENV_BIN}/queue-export | {VENV_BIN}/collapse-lanes",
        shell=True,
        executable="/bin/bash",
        capture_output=True,
    )
    assert piped.returncode == 1
    out = json_lines(piped.stdout)
    assert [(e["payload"]["from_lane"], e["payload"]["to_lane"]) for e in out] == [
        ("planned", "doing"),
        ("doing", "done"),
        ("for_review", "done"),
    ]
    [error] = json_lines(piped.stderr)
    assert error == {
        "event_id": events[3]["event_id"],
        "event_type": "WPStatusChanged",
        "aggregate_id": "WP01",
        "status": "invalid",
        "category": "unknown_lane",
        "reason": "unknown lane 'merged' in to_lane",
        "expected": "one of planned, claimed, in_progress, for_review, done, blocked, canceled, "
        "approved, in_review, genesis, doing",
    }
    # Collapsing happens on the way out; the queue keeps canonical lanes.
    kept = json_lines(script("queue-export").stdout)
    assert kept[0]["payload"]["to_lane"] == "claimed"


def test_collapse_passes_other_events_untouched(script):
    created = {"event_type": "WPCreated", "payload": {"wp_id": "WP01", "title": "x"}}
    done = script("collapse-lanes", input=lines(created))
    assert done.returncode == 0
    assert json_lines(done.stdout) == [created]


def test_closed_downstream_pipe_is_silent(script):
    script("enqueue", input=lines(*[status_event() for _ in range(3000)]))
    piped = subprocess.run(
        f"{VENV_BIN}/queue-export | head -1", shell=True, capture_output=True, text=True
    )
    assert len(piped.stdout.splitlines()) == 1
    assert piped.stderr == ""


def test_queue_stats_is_one_json_object(script):
    script("enqueue", input=lines(status_event(at=minutes_ago(10)), status_event()))
    done = script("queue-stats")
    [stats] = json_lines(done.stdout)
    assert stats["depth"] == 2
    assert stats["retry_counts"] == {"0": 2}
    assert 590 < stats["oldest_event_age_seconds"] < 700


def test_every_script_teaches_with_help(script):
    for name in ("enqueue", "queue-export", "collapse-lanes", "queue-stats"):
        done = script(name, "--help")
        assert done.returncode == 0
        assert b"example" in done.stdout and b"|" in done.stdout


def test_help_fits_the_terminal_width_it_is_given(script):
    narrow = script("enqueue", "--help", env={"COLUMNS": "50"}).stdout.decode()
    wide = script("enqueue", "--help", env={"COLUMNS": "200"}).stdout.decode()
    usage = narrow[: narrow.index("\n\n")].splitlines()
    assert len(usage) > 1 and max(map(len, usage)) <= 50
    assert wide.startswith("usage: enqueue [-h] [--queue QUEUE] [--project-uuid PROJECT_UUID] [")


def test_bad_flags_are_usage_errors(script):
    done = script("queue-export", "--limit", "zero")
    assert done.returncode == 2
    assert b"expected a positive whole number, got 'zero'" in done.stderr


def test_eight_concurrent_enqueuers_lose_and_duplicate_nothing(script):
    # Each process sends 300 events of its own plus 100 shared by all.
    shared = [status_event() for _ in range(100)]
    batches = [[status_event() for _ in range(300)] + shared for _ in range(8)]
    with ThreadPoolExecutor(8) as pool:
        done = list(pool.map(lambda batch: script("enqueue", input=lines(*batch)), batches))
    assert all(d.returncode == 0 for d in done), [d.stderr for d in done]
    statuses = [r["status"] for d in done for r in json_lines(d.stdout)]
    assert statuses.count("queued") == 8 * 300 + 100
    assert statuses.count("duplicate") == 7 * 100
    exported = [e["event_id"] for e in json_lines(script("queue-export").stdout)]
    expected = {e["event_id"] for batch in batches for e in batch}
    assert len(exported) == len(expected) and set(exported) == expected


def test_numeric_flags_refuse_values_that_would_misbehave(script):
    cases = [
        ("batch-send", "--timeout", "nan", "expected a number of seconds, got 'nan'"),
        ("queue-ack", "--max-rejections", "-3", "expected a positive whole number, got '-3'"),
        ("queue-stats", "--top", "x", "expected a positive whole number, got 'x'"),
        ("queue-export", "--limit", "0", "expected a positive whole number, got '0'"),
    ]
    for name, flag, value, expected in cases:
        done = script(name, flag, value)
        assert done.returncode == 2, name
        assert expected.encode() in done.stderr, done.stderr


def test_an_envelope_is_queued_and_exported_exactly_as_written(script):
    event = status_event(x_note="café")
    written = json.dumps(event, ensure_ascii=False)  # spaces after separators, unescaped text
    assert script("enqueue", input=written + "\r\n").returncode == 0
    assert script("queue-export").stdout.decode() == written + "\n"


def test_enqueue_refuses_a_lone_surrogate_per_record_and_queues_the_rest(script, tmp_path):
    bare = {**BARE, "payload": {**BARE["payload"], "note": "half \ud800 a pair"}}
    envelope = status_event(note="\udc00")
    bad_id = status_event(event_id="01JD3Q8Z7K2M4N6P8R0T2V4W6\ud800")
    good = status_event()
    paired = status_event(note="cat \U0001f431")  # a real pair, written as two escapes
    text = "".join(json.dumps(r) + "\n" for r in (good, bare, envelope, bad_id, paired))
    assert "\\ud800" in text and "\\ud83d\\udc31" in text

    done = script("enqueue", "--project-uuid", PROJECT_UUID, input=text)

    assert done.returncode == 1, done.stderr
    assert b"Traceback" not in done.stderr
    results = json_lines(done.stdout)
    assert [r["status"] for r in results] == ["queued", "invalid", "invalid", "invalid", "queued"]
    assert results[1]["reason"] == (
        "payload.note holds a lone surrogate (half of a UTF-16 pair), which is not Unicode text"
    )
    assert results[2]["event_id"] == envelope["event_id"]
    assert results[3]["event_id"] is None and results[3]["reason"].startswith("event_id holds")
    exported = json_lines(script("queue-export").stdout)
    assert [e["event_id"] for e in exported] == [good["event_id"], paired["event_id"]]
    assert exported[1]["note"] == "cat \U0001f431"
