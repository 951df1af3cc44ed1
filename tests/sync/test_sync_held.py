"""Events that can never be sent are held, visibly, by a real sync-now against the reference
server; held events come back by themselves once this version can send them, and a person can
requeue or drop them."""

import json

from factories import envelope
from kitty_testing import fill_queue, json_lines, login
from spec_kitty.queue.account import HELD_NEXT_STEP
from spec_kitty.queue.store import Queue
from sync_support import make_2x_queue, queued_ids


def stored_lanes(server) -> list[tuple[str, str, str]]:
    return [
        (e["event_id"], e["payload"]["from_lane"], e["payload"]["to_lane"])
        for e in server.stored_events()
    ]


def held_ids() -> list[str]:
    with Queue() as queue:
        return [row[0] for row in queue.held()]


def hold_as_an_older_version_did(events: list[dict]) -> None:
    """Events an older version held because it did not know their lanes."""
    with Queue() as queue:
        queue.hold(
            [
                {
                    "event_id": e["event_id"],
                    "category": "unknown_lane",
                    "reason": f"unknown lane {e['payload']['to_lane']!r} in to_lane",
                }
                for e in events
            ]
        )


def test_an_unsendable_event_is_held_once_then_only_counted(script, reference_server):
    login(reference_server.url)
    good = [envelope(i) for i in range(2)]
    shipped = [envelope(i, to_lane="shipped") for i in range(2, 4)]
    fill_queue([good[0], *shipped, good[1]])  # as an older version queued them

    first = script("spec-kitty", "sync-now")
    second = script("spec-kitty", "sync-now")
    third = script("spec-kitty", "sync-now", "--json")

    assert first.returncode == 1
    assert first.stdout.decode().splitlines()[0] == (
        "Synced: 2, Duplicates: 0, Failed: 2 (reason: unknown_lane: 2)"
    )
    assert first.stdout.decode().splitlines()[2:] == [
        "Still queued: 2 (pending: 0, held: 2, outbox: 0)",
        "  held: 2 by this run (unknown lane 'shipped' in to_lane); " + HELD_NEXT_STEP,
        "Dead-lettered: 0 by this run, 0 in all",
    ]
    assert [e[0] for e in stored_lanes(reference_server)] == [e["event_id"] for e in good]
    assert held_ids() == [e["event_id"] for e in shipped]
    assert queued_ids() == []

    # Held events wait on the user: every later sync counts them and says what to do, but a
    # scheduled sync does not fail for ever because of them.
    assert second.returncode == 0, second.stderr
    assert second.stdout.decode().splitlines() == [
        "Synced: 0, Duplicates: 0, Failed: 0",
        "Still queued: 2 (pending: 0, held: 2, outbox: 0)",
        "  held: " + HELD_NEXT_STEP,
        "Dead-lettered: 0 by this run, 0 in all",
    ]
    summary = json.loads(third.stdout)
    assert third.returncode == 0
    assert summary["held_new"] == {} and summary["account"]["held"] == 2
    assert summary["failed"] == 0 and summary["exit_code"] == 0


def test_a_held_event_this_version_can_send_goes_back_by_itself(script, reference_server):
    login(reference_server.url)
    approved = envelope(0, to_lane="approved")
    unknown = envelope(1, to_lane="shipped")
    fill_queue([approved, unknown])
    hold_as_an_older_version_did([approved, unknown])

    done = script("spec-kitty", "sync-now")

    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().splitlines() == [
        "Synced: 1, Duplicates: 0, Failed: 0",
        "  released: 1 held event(s) that this version can send, back in the queue for this sync",
        "Still queued: 1 (pending: 0, held: 1, outbox: 0)",
        "  held: " + HELD_NEXT_STEP,
        "Dead-lettered: 0 by this run, 0 in all",
    ]
    assert stored_lanes(reference_server) == [(approved["event_id"], "planned", "done")]
    assert held_ids() == [unknown["event_id"]]


def test_a_2x_queue_of_approved_events_is_imported_and_sent_as_done(
    script, reference_server, spec_kitty_home
):
    login(reference_server.url)
    events = [envelope(0, to_lane="for_review"), envelope(1, to_lane="approved")]
    events[1]["payload"]["from_lane"] = "for_review"
    events.append(envelope(2, to_lane="approved"))
    make_2x_queue(spec_kitty_home / "queue.db", events)

    imported = script("queue-import")
    enqueued = script("enqueue", input=imported.stdout)
    done = script("spec-kitty", "sync-now")

    assert [r["status"] for r in json_lines(enqueued.stdout)] == ["queued"] * 3
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.decode().splitlines()[0] == "Synced: 3, Duplicates: 0, Failed: 0"
    assert stored_lanes(reference_server) == [
        (events[0]["event_id"], "planned", "for_review"),
        (events[1]["event_id"], "for_review", "done"),
        (events[2]["event_id"], "planned", "done"),
    ]


def test_queue_stats_counts_held_events_by_reason(script):
    fill_queue([envelope(0), envelope(1, to_lane="shipped"), envelope(2, to_lane="gone")])
    hold_as_an_older_version_did([envelope(1, to_lane="shipped"), envelope(2, to_lane="gone")])

    [stats] = json_lines(script("queue-stats").stdout)

    assert (stats["depth"], stats["held"], stats["by_status"]["held"]) == (1, 2, 2)
    assert sorted(r["reason"] for r in stats["held_reasons"]) == [
        "unknown lane 'gone' in to_lane",
        "unknown lane 'shipped' in to_lane",
    ]
    held_export = json_lines(script("queue-export", "--status", "held").stdout)
    assert [e["payload"]["to_lane"] for e in held_export] == ["shipped", "gone"]


def test_queue_ack_holds_what_collapse_lanes_could_not_send_in_a_shell_pipeline(script, tmp_path):
    shipped = envelope(1, to_lane="shipped")
    fill_queue([shipped])
    collapsed = script("collapse-lanes", input=script("queue-export").stdout)

    acked = script("queue-ack", input=collapsed.stderr)

    assert collapsed.returncode == 1 and collapsed.stdout == b""
    *rejections, summary = json_lines(acked.stdout)
    assert acked.returncode == 0, acked.stderr
    assert [(r["event_id"], r["outcome"]) for r in rejections] == [(shipped["event_id"], "held")]
    assert summary["summary"]["held"] == 1
    assert b"1 held (cannot be sent as they are; see sync-diagnose)" in acked.stderr
    assert held_ids() == [shipped["event_id"]]


def test_requeue_brings_held_events_back_and_the_next_sync_holds_them_again(
    script, reference_server
):
    login(reference_server.url)
    shipped = [envelope(i, to_lane="shipped") for i in range(2)]
    fill_queue(shipped)
    hold_as_an_older_version_did(shipped)

    one = script("spec-kitty", "queue-requeue", "--event-id", shipped[0]["event_id"])
    assert one.returncode == 0 and b"requeued 1 dead-lettered or held event(s)" in one.stderr
    assert queued_ids() == [shipped[0]["event_id"]]
    every = script("spec-kitty", "queue-requeue", "--all-held")
    assert every.returncode == 0 and b"requeued 1 held event(s)" in every.stderr
    assert held_ids() == []

    done = script("spec-kitty", "sync-now")

    assert done.returncode == 1
    assert "  held: 2 by this run (unknown lane 'shipped' in to_lane)" in done.stdout.decode()
    assert held_ids() == [e["event_id"] for e in shipped]


def test_requeue_names_an_unknown_or_pending_id(script):
    pending = envelope(0)
    fill_queue([pending])

    missing = "01JNOSUCHEVENT000000000000"
    unknown = script("spec-kitty", "queue-requeue", "--event-id", missing)
    still = script("spec-kitty", "queue-requeue", "--event-id", pending["event_id"])

    assert unknown.returncode == 1
    assert unknown.stderr.decode().startswith(
        f"spec-kitty queue-requeue: not requeued: no event {missing} in the queue "
    )
    assert still.returncode == 1
    why = "is pending (only held or dead-lettered events can be requeued)"
    assert f"{pending['event_id']} {why}" in still.stderr.decode()
    assert queued_ids() == [pending["event_id"]]


def test_drop_deletes_held_and_dead_lettered_events_by_name_only(script):
    pending, failed = envelope(0), envelope(1)
    held = [envelope(i, to_lane="shipped") for i in range(2, 5)]
    fill_queue([pending, failed, *held])
    hold_as_an_older_version_did(held)
    with Queue() as queue:
        queue.ack([{"event_id": failed["event_id"], "status": "rejected"}], max_rejections=1)

    nothing = script("spec-kitty", "queue-drop")
    one = script("spec-kitty", "queue-drop", "--event-id", held[0]["event_id"], "--json")
    unknown = script("spec-kitty", "queue-drop", "--event-id", "01JNOSUCHEVENT000000000000")
    refused = script("spec-kitty", "queue-drop", "--event-id", pending["event_id"])
    rest = script("spec-kitty", "queue-drop", "--all-held", "--all-failed", "--json")

    assert nothing.returncode == 2
    assert b"give --event-id ID, --all-held or --all-failed" in nothing.stderr
    assert one.returncode == 0
    assert json.loads(one.stdout) == {"dropped": 1, "event_ids": [held[0]["event_id"]]}
    assert b"dropped 1 dead-lettered or held event(s)" in one.stderr
    assert unknown.returncode == 1 and unknown.stdout == b""
    assert b"dropped 0" not in unknown.stderr
    assert b"no event 01JNOSUCHEVENT000000000000 in the queue" in unknown.stderr
    assert refused.returncode == 1
    assert b"is pending (only held or dead-lettered events can be dropped)" in refused.stderr
    assert rest.returncode == 0
    dropped = json.loads(rest.stdout)
    assert dropped["dropped"] == 3
    assert sorted(dropped["event_ids"]) == sorted(e["event_id"] for e in (*held[1:], failed))
    assert b"dropped 3 held or dead-lettered event(s)" in rest.stderr
    assert queued_ids() == [pending["event_id"]] and held_ids() == []
