"""queue-backfill over status logs that older releases wrote: bad lines are named and skipped."""

import json

from factories import envelope
from kitty_testing import login
from spec_kitty.queue.outbox import outbox_path
from spec_kitty.workflow.backfill import backfill, backfill_line, backfill_with_outbox
from spec_kitty.workflow.status_log import status_event
from workflow_support import queued


def append_lines(log, *events: dict) -> list[int]:
    """Append `events` to the log as written; returns their line numbers."""
    before = len(log.read_text().splitlines()) if log.exists() else 0
    with log.open("a") as out:
        for event in events:
            out.write(json.dumps(event, sort_keys=True) + "\n")
    return list(range(before + 1, before + 1 + len(events)))


def older_lines(slug: str) -> tuple[dict, dict, dict]:
    """A line without event_id, one whose time has no UTC offset, and a good one between them."""
    no_id = status_event("WP01", slug, "planned", "claimed", "claude")
    del no_id["event_id"]
    naive = status_event("WP02", slug, "planned", "claimed", "claude")
    naive["at"] = "2024-05-01T10:00:00"
    good = status_event("WP03", slug, "planned", "blocked", "claude")
    return no_id, good, naive


def test_bad_lines_are_named_and_skipped_and_the_rest_is_queued(planned):
    root, slug = planned
    log = root / "kitty-specs" / slug / "status.events.jsonl"
    no_id, good, naive = older_lines(slug)
    no_id_line, _good_line, naive_line = append_lines(log, no_id, good, naive)
    told = []

    result = backfill(root, notify=told.append)

    assert result["skipped"] == 2
    assert result["features"][slug]["skipped"] == 2
    assert told[0].startswith(f"{log}:{no_id_line}: no event_id field")
    assert told[1].startswith(f"{log}:{naive_line}: ")
    assert "UTC offset" in told[1]
    assert good["event_id"] in {e["event_id"] for e in queued("WPStatusChanged")}


def test_cli_reports_skipped_lines_in_json_and_exits_1(script, planned):
    root, slug = planned
    log = root / "kitty-specs" / slug / "status.events.jsonl"
    no_id, good, naive = older_lines(slug)
    no_id_line, _good_line, naive_line = append_lines(log, no_id, good, naive)

    done = script("spec-kitty", "queue-backfill", "--json", cwd=root)

    assert done.returncode == 1
    result = json.loads(done.stdout)
    assert result["skipped"] == 2
    assert result["queued"] + result["already_queued"] >= 1
    stderr = done.stderr.decode()
    assert f"{log}:{no_id_line}: " in stderr
    assert f"{log}:{naive_line}: " in stderr
    assert "Traceback" not in stderr


def test_events_the_server_acknowledged_are_not_offered_again(script, planned, reference_server):
    root, slug = planned
    log = root / "kitty-specs" / slug / "status.events.jsonl"
    _no_id, good, _naive = older_lines(slug)
    append_lines(log, good)
    login(reference_server.url)
    assert script("spec-kitty", "queue-backfill", cwd=root).returncode == 0
    assert good["event_id"] in {e["event_id"] for e in queued()}
    synced = script("spec-kitty", "sync-now", cwd=root)
    assert synced.returncode == 0, synced.stdout + synced.stderr

    again = script("spec-kitty", "queue-backfill", "--json", cwd=root)

    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["queued"] == 0
    assert queued() == []
    stored = [e["event_id"] for e in reference_server.stored_events()]
    assert stored.count(good["event_id"]) == 1


def test_the_outbox_is_queued_with_the_logs_and_counted_apart(planned):
    root, _slug = planned
    kept = envelope(1)
    outbox_path().write_text(json.dumps(kept) + "\nnot json\n")

    result = backfill_with_outbox(root)

    assert result["outbox"] == {"queued": 1, "already_queued": 0, "kept": 1}
    assert kept["event_id"] in {e["event_id"] for e in queued()}
    assert backfill_line(result).endswith("; 1 event(s) from the outbox (1 kept there)")
