"""The status snapshot (status.json): 2.x's shape, written with every append, used only when it
agrees with the log's end, and never over the log."""

import json
import random

from spec_kitty.workflow.changeset import Changeset
from spec_kitty.workflow.execution import move_task
from spec_kitty.workflow.features import load_feature
from spec_kitty.workflow.status_log import append_events, read_log, status_event
from spec_kitty.workflow.status_snapshot import Status, read_status, snapshot_path
from workflow_support import committed_files, status

# What spec-kitty 2.x's StatusSnapshot and its work-package state hold.
SNAPSHOT_KEYS_2X = {
    "event_count",
    "feature_slug",
    "last_event_id",
    "materialized_at",
    "summary",
    "work_packages",
}
WP_KEYS_2X = {"actor", "force_count", "lane", "last_event_id", "last_transition_at"}


def replayed(log) -> dict[str, str]:
    """Each work package's lane by reading every line of the log: the truth."""
    lanes = {}
    for event in read_log(log):
        lanes[event["wp_id"]] = event["to_lane"]
    return lanes


def logged(root, log, *moves, forced=False) -> list[dict]:
    """`moves` ((wp, from, to), ...) appended through a Changeset, as the commands append."""
    events = [
        status_event(wp, log.parent.name, before, after, "claude", force=forced)
        for wp, before, after in moves
    ]
    with Changeset(root) as changes:
        changes.append_log(log, events)
        changes.commit("moves", enabled=False)
    return events


def feature_log(tmp_path):
    directory = tmp_path / "kitty-specs" / "001-checkout"
    directory.mkdir(parents=True)
    return tmp_path, directory / "status.events.jsonl"


def test_a_move_writes_status_json_in_2x_shape_and_commits_it_with_the_log(planned):
    root, slug = planned
    move_task(root, load_feature(root, slug), "WP01", "claimed", "claude")
    move_task(
        root, load_feature(root, slug), "WP02", "blocked", "gemini", force=True, reason="waits"
    )
    snapshot = root / "kitty-specs" / slug / "status.json"
    text = snapshot.read_text()
    data = json.loads(text)

    assert SNAPSHOT_KEYS_2X <= set(data)
    assert text == json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    events = read_log(snapshot.with_name("status.events.jsonl"))
    assert data["feature_slug"] == slug
    assert data["event_count"] == 2 and data["last_event_id"] == events[-1]["event_id"]
    assert data["work_packages"]["WP01"] == {
        "actor": "claude",
        "force_count": 0,
        "lane": "claimed",
        "last_event_id": events[0]["event_id"],
        "last_transition_at": events[0]["at"],
    }
    assert set(data["work_packages"]["WP02"]) == WP_KEYS_2X
    assert data["work_packages"]["WP02"]["force_count"] == 1
    assert data["summary"]["claimed"] == 1 and data["summary"]["blocked"] == 1
    assert data["summary"]["planned"] == 0 and data["summary"]["approved"] == 0
    assert data["log_coverage"]["bytes"] == snapshot.with_name("status.events.jsonl").stat().st_size
    assert f"kitty-specs/{slug}/status.json" in committed_files(root)
    assert status(root) == ""


def test_lines_appended_after_the_snapshot_are_replayed_on_top_of_it(tmp_path):
    root, log = feature_log(tmp_path)
    logged(root, log, ("WP01", "planned", "claimed"), ("WP02", "planned", "claimed"))
    # Another writer (a merge, an older tool) appends without touching the snapshot.
    append_events(log, [status_event("WP01", "001-checkout", "claimed", "in_progress", "b")])
    with open(log, "a") as out:
        out.write(json.dumps({"event_type": "MissionStarted", "at": "2026-03-01"}) + "\n")

    status = read_status(log)

    assert status.lanes() == replayed(log) == {"WP01": "in_progress", "WP02": "claimed"}
    assert status.event_count == 3 and status.work_packages["WP01"]["actor"] == "b"
    assert status.log_bytes == log.stat().st_size and status.log_lines == 4


def test_the_lines_a_matching_snapshot_covers_are_not_read_again(tmp_path):
    root, log = feature_log(tmp_path)
    logged(root, log, *[("WP01", "planned", "claimed"), ("WP01", "claimed", "planned")] * 40)
    logged(root, log, ("WP02", "planned", "blocked"))
    lines = log.read_bytes().split(b"\n")
    # The first line made unreadable at the same length, far from the end the snapshot checks.
    lines[0] = b"x" * len(lines[0])
    log.write_bytes(b"\n".join(lines))

    assert read_status(log).lanes() == {"WP01": "planned", "WP02": "blocked"}


def test_without_a_snapshot_the_whole_log_is_replayed(tmp_path):
    root, log = feature_log(tmp_path)
    logged(root, log, ("WP01", "planned", "claimed"), ("WP01", "claimed", "in_progress"))
    snapshot_path(log).unlink()

    status = read_status(log)

    assert status.lanes() == {"WP01": "in_progress"} and status.event_count == 2
    assert status.log_bytes == log.stat().st_size


def test_a_hand_edited_snapshot_is_not_trusted(tmp_path):
    root, log = feature_log(tmp_path)
    logged(root, log, ("WP01", "planned", "claimed"))
    path = snapshot_path(log)
    data = json.loads(path.read_text())
    data["work_packages"]["WP01"]["lane"] = "done"
    path.write_text(json.dumps(data, sort_keys=True, indent=2))

    assert read_status(log).lanes() == {"WP01": "claimed"}


def test_a_snapshot_of_spec_kitty_2x_is_read_from_the_log_and_replaced_by_the_next_move(planned):
    root, slug = planned
    move_task(root, load_feature(root, slug), "WP01", "claimed", "claude")
    path = root / "kitty-specs" / slug / "status.json"
    # 2.x materializes without coverage; this one also disagrees with the log.
    data = json.loads(path.read_text())
    del data["log_coverage"]
    data["work_packages"]["WP01"]["lane"] = "for_review"
    path.write_text(json.dumps(data, sort_keys=True, indent=2) + "\n")

    assert read_status(path.with_name("status.events.jsonl")).lanes() == {"WP01": "claimed"}
    move_task(root, load_feature(root, slug), "WP01", "in_progress", "claude")
    data = json.loads(path.read_text())
    assert data["work_packages"]["WP01"]["lane"] == "in_progress"
    assert data["event_count"] == 2 and "log_coverage" in data


def test_a_snapshot_that_no_longer_matches_the_log_is_rebuilt_from_it(tmp_path):
    root, log = feature_log(tmp_path)
    logged(root, log, ("WP01", "planned", "claimed"), ("WP02", "planned", "claimed"))
    covered = log.read_bytes()

    # The log cut back (a checkout of an older log beside a newer snapshot).
    log.write_bytes(covered.split(b"\n", 1)[0] + b"\n")
    assert read_status(log).lanes() == {"WP01": "claimed"}

    # The log rewritten: another branch's line before the ones the snapshot covered.
    other = status_event("WP03", "001-checkout", "planned", "blocked", "claude")
    log.write_bytes((json.dumps(other, sort_keys=True) + "\n").encode() + covered)
    assert read_status(log).lanes() == replayed(log)
    assert "WP03" in read_status(log).lanes()


def test_a_damaged_snapshot_is_replaced_by_a_replay(tmp_path):
    root, log = feature_log(tmp_path)
    logged(root, log, ("WP01", "planned", "claimed"))
    path = snapshot_path(log)
    for damage in ("", "{", "[]", '{"log_coverage": 3}', '{"log_coverage": {"format": []}}'):
        path.write_text(damage)
        assert read_status(log).lanes() == {"WP01": "claimed"}


def test_a_torn_line_after_the_snapshot_is_skipped_and_cut_by_the_next_append(tmp_path, capsys):
    root, log = feature_log(tmp_path)
    logged(root, log, ("WP01", "planned", "claimed"))
    with open(log, "a") as out:
        out.write('{"actor": "a", "at": "2026')

    assert read_status(log).lanes() == {"WP01": "claimed"}
    assert "torn last line" in capsys.readouterr().err
    logged(root, log, ("WP01", "claimed", "in_progress"))
    assert read_status(log).lanes() == replayed(log) == {"WP01": "in_progress"}
    assert json.loads(snapshot_path(log).read_text())["log_coverage"]["lines"] == 2


def test_a_bad_line_after_the_snapshot_is_named_by_its_line_in_the_log(tmp_path):
    import pytest
    from spec_kitty.jsonl import ScriptError

    root, log = feature_log(tmp_path)
    logged(root, log, ("WP01", "planned", "claimed"), ("WP01", "claimed", "in_progress"))
    with open(log, "a") as out:
        out.write("not json\n{}\n")

    with pytest.raises(ScriptError, match="line 3: not a JSON object"):
        read_status(log)


def test_status_after_any_mix_of_writers_is_the_replay_of_the_log(tmp_path):
    """Appends with the snapshot, appends without, torn and foreign lines, snapshots lost or
    left behind by a rewritten log: the status read is always the log's."""
    rng = random.Random(18)
    root, log = feature_log(tmp_path)
    lanes = ("planned", "claimed", "in_progress", "for_review", "done", "blocked", "in_review")
    for _ in range(120):
        wp = f"WP0{rng.randint(1, 4)}"
        event = status_event(wp, "001-checkout", "planned", rng.choice(lanes), "claude")
        action = rng.random()
        if action < 0.45:
            logged(root, log, (wp, "planned", event["to_lane"]))
        elif action < 0.7:
            append_events(log, [event])
        elif action < 0.78:
            with open(log, "a") as out:
                out.write('{"wp_id": "WP0')  # torn, then cut by the next append
            assert read_status(log).lanes() == replayed(log)
            append_events(log, [event])
        elif action < 0.85:
            with open(log, "a") as out:
                out.write(json.dumps({"kind": "annotation", "text": "x"}) + "\n")
        elif action < 0.9:
            snapshot_path(log).unlink(missing_ok=True)
        elif action < 0.95 and log.exists():
            data = log.read_bytes()
            log.write_bytes(data[: data.rfind(b"\n", 0, max(0, len(data) - 1)) + 1])
        else:
            lines = log.read_bytes().splitlines(keepends=True) if log.exists() else []
            rng.shuffle(lines)
            log.write_bytes(b"".join(lines))
        status = read_status(log)
        assert status.lanes() == replayed(log)
        assert isinstance(status, Status)
        if status.last_event_id:
            assert status.last_event_id == read_log(log)[-1]["event_id"]
