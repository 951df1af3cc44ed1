"""Tasks over the offline queue: requeue and drop the events a sync does not send."""

from spec_kitty.flags import QUEUE_HELP
from spec_kitty.tasks.base import task


@task(
    help={
        "all_failed": "requeue every dead-lettered event",
        "all_held": "requeue every held event (a sync holds it again if it still cannot be sent)",
        "event_id": "requeue this dead-lettered or held event (repeatable)",
        "queue": QUEUE_HELP,
    },
    iterable=["event_id"],
)
def queue_requeue(c, all_failed=False, all_held=False, event_id=None, queue=None):
    """Move dead-lettered (failed) or held events back to pending so the next sync sends them.

    Exit 1 when an --event-id is not in the queue or is not dead-lettered or held."""
    from spec_kitty.jsonl import ScriptError, warn
    from spec_kitty.queue.store import FAILED, HELD, Queue

    chosen = (FAILED,) * all_failed + (HELD,) * all_held
    if not chosen and not event_id:
        raise ScriptError("give --all-failed, --all-held, or one or more --event-id ID")
    with Queue(queue) as store:
        moved = store.requeue(chosen, None) if chosen else []
        if event_id:
            moved += store.requeue((FAILED, HELD), event_id)
        if moved or not event_id:
            warn(f"requeued {len(moved)} {_kinds(chosen, event_id)} event(s)")
        if event_id:
            _check_named(store, event_id, moved, "requeued")


@task(
    help={
        "event_id": "drop this held or dead-lettered event (repeatable)",
        "all_held": "drop every held event",
        "all_failed": "drop every dead-lettered event",
        "json": "print {dropped, event_ids} as one JSON object",
        "queue": QUEUE_HELP,
    },
    iterable=["event_id"],
)
def queue_drop(c, event_id=None, all_held=False, all_failed=False, json=False, queue=None):
    """Delete held or dead-lettered (failed) events from the queue for good; they are never sent.

    Pending events are never dropped. Exit 1 when an --event-id is not in the queue or is
    pending (what could be dropped still is); exit 2 when given nothing to drop."""
    from spec_kitty.jsonl import ScriptError, dumps, warn
    from spec_kitty.queue.store import FAILED, HELD, Queue

    chosen = (HELD,) * all_held + (FAILED,) * all_failed
    if not chosen and not event_id:
        raise ScriptError(
            "give --event-id ID, --all-held or --all-failed: nothing is dropped by default"
        )
    with Queue(queue) as store:
        dropped = store.drop(chosen, None) if chosen else []
        if event_id:
            dropped += store.drop((HELD, FAILED), event_id)
        if json:
            print(dumps({"dropped": len(dropped), "event_ids": dropped}))
        if dropped or not event_id:
            warn(f"dropped {len(dropped)} {_kinds(chosen, event_id)} event(s)")
        if event_id:
            _check_named(store, event_id, dropped, "dropped")


def _kinds(statuses: tuple[str, ...], event_ids: list[str] | None) -> str:
    from spec_kitty.queue.store import FAILED, HELD

    if event_ids:
        statuses = (FAILED, HELD)
    return " or ".join({FAILED: "dead-lettered", HELD: "held"}[s] for s in statuses)


def _check_named(store, named: list[str], done: list[str], verb: str) -> None:
    """Name every --event-id that was not acted on, and why (exit 1)."""
    from spec_kitty.jsonl import EXIT_SOME_FAILED, ScriptError

    missed = [event_id for event_id in dict.fromkeys(named) if event_id not in done]
    if not missed:
        return
    found = store.statuses(missed)
    why = [
        f"{event_id} is pending (only held or dead-lettered events can be {verb})"
        if event_id in found
        else f"no event {event_id} in the queue {store.path}"
        for event_id in missed
    ]
    raise ScriptError(f"not {verb}: {'; '.join(why)}", EXIT_SOME_FAILED)


TASKS = [queue_requeue, queue_drop]
