"""The status log: 2.x's line shape, append-only, torn last lines repaired, bad lines named."""

import json

import pytest
from spec_kitty.jsonl import ScriptError
from spec_kitty.workflow.status_log import append_events, read_log, status_event
from spec_kitty.workflow.status_snapshot import read_status

FIELDS_2X = [
    "actor",
    "at",
    "event_id",
    "evidence",
    "execution_mode",
    "feature_slug",
    "force",
    "from_lane",
    "policy_metadata",
    "reason",
    "review_ref",
    "to_lane",
    "wp_id",
]


def test_lines_have_the_2x_fields_with_sorted_keys(tmp_path):
    log = tmp_path / "status.events.jsonl"
    append_events(log, [status_event("WP01", "001-x", "planned", "claimed", "claude")])
    line = log.read_text().splitlines()[0]
    event = json.loads(line)
    assert list(event) == FIELDS_2X
    assert line.startswith('{"actor": "claude", "at": ')  # 2.x's separators
    assert len(event["event_id"]) == 26


def test_appends_keep_what_was_there_and_lanes_follow_the_last_event(tmp_path):
    log = tmp_path / "status.events.jsonl"
    append_events(log, [status_event("WP01", "001-x", "planned", "claimed", "a")])
    append_events(
        log,
        [
            status_event("WP01", "001-x", "claimed", "in_progress", "a"),
            status_event("WP02", "001-x", "planned", "blocked", "a"),
        ],
    )
    assert read_status(log).lanes() == {"WP01": "in_progress", "WP02": "blocked"}


def test_a_torn_last_line_is_skipped_then_cut_off_by_the_next_append(tmp_path, capsys):
    log = tmp_path / "status.events.jsonl"
    append_events(log, [status_event("WP01", "001-x", "planned", "claimed", "a")])
    with open(log, "a") as out:
        out.write('{"actor": "a", "at": "2026')
    assert len(read_log(log)) == 1
    assert "torn last line" in capsys.readouterr().err
    append_events(log, [status_event("WP01", "001-x", "claimed", "in_progress", "a")])
    assert [e["to_lane"] for e in read_log(log)] == ["claimed", "in_progress"]
    assert all(json.loads(line) for line in log.read_text().splitlines())


def test_a_complete_last_line_without_newline_is_kept(tmp_path):
    log = tmp_path / "status.events.jsonl"
    first = status_event("WP01", "001-x", "planned", "claimed", "a")
    log.write_text(json.dumps(first))
    append_events(log, [status_event("WP01", "001-x", "claimed", "in_progress", "a")])
    assert [e["event_id"] for e in read_log(log)][0] == first["event_id"]


def test_a_bad_line_in_the_middle_is_an_error_with_its_number(tmp_path):
    log = tmp_path / "status.events.jsonl"
    log.write_text(
        '{"wp_id": "WP01", "to_lane": "claimed"}\nnot json\n{"wp_id": "WP01", "to_lane": "done"}\n'
    )
    with pytest.raises(ScriptError, match="line 2: not a JSON object"):
        read_log(log)


def test_undo_puts_the_log_back(tmp_path):
    log = tmp_path / "status.events.jsonl"
    append_events(log, [status_event("WP01", "001-x", "planned", "claimed", "a")])
    before = log.read_bytes()
    append_events(log, [status_event("WP01", "001-x", "claimed", "in_progress", "a")]).undo()
    assert log.read_bytes() == before
