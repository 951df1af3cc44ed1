"""Tasks over the offline queue."""

from spec_kitty.tasks.base import task


@task(
    help={
        "all_failed": "requeue every dead-lettered event",
        "event_id": "requeue this event (repeatable)",
        "queue": "queue file (default: $SPEC_KITTY_HOME/event-queue.db)",
    },
    iterable=["event_id"],
)
def queue_requeue(c, all_failed=False, event_id=None, queue=None):
    """Move dead-lettered (failed) events back to pending so the next sync sends them again."""
    from spec_kitty.jsonl import ScriptError, warn
    from spec_kitty.queue.store import Queue

    if not all_failed and not event_id:
        raise ScriptError("give --all-failed or one or more --event-id ID")
    with Queue(queue) as store:
        moved = store.requeue_failed(None if all_failed else event_id)
    warn(f"requeued {moved} dead-lettered event(s)")


TASKS = [queue_requeue]
