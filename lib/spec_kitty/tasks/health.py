"""Tasks that tell whether sync works: sync-status and sync-diagnose."""

from spec_kitty.flags import QUEUE_HELP
from spec_kitty.tasks.base import number, task

# --check outcomes that are the user's login to fix, and those that mean "offline, retry later".
_AUTH_STATES = {"not_logged_in", "login_expired", "credentials_unusable", "token_rejected"}
_OFFLINE_STATES = {"unreachable", "server_error"}


@task(
    help={
        "check": "probe the server's health path with your access token (refreshed if due)",
        "json": "print one JSON object {account, queue, sync} instead of text",
        "queue": QUEUE_HELP,
        "top": "how many failing types and reasons to list (default 5)",
        "timeout": "seconds to wait for the server with --check (default 10)",
    }
)
def sync_status(c, check=False, json=False, queue=None, top=5, timeout=10.0):
    """Show where every event waiting for sync is (pending, held, dead-lettered, in the outbox,
    in a damaged queue file kept aside), the queue's age, retries and top failures, and the
    login's health.

    With --check: exit 3 when the server is unreachable, 4 when the login needs renewing."""
    from invoke import Exit

    from spec_kitty.jsonl import EXIT_AUTH, EXIT_OFFLINE, dumps
    from spec_kitty.queue.account import take_account
    from spec_kitty.queue.store import Queue
    from spec_kitty.sync.health import login_health, probe_health
    from spec_kitty.sync.status_text import status_lines

    with Queue(queue) as store:
        # The text leaves out the count of every event by type, the one figure that reads the
        # whole queue.
        stats = store.stats(number("top", top, int, 1), event_types=json)
        account = take_account(store, counts=stats["by_status"])
    health = probe_health(number("timeout", timeout)) if check else login_health()
    if json:
        print(dumps({"account": account.to_dict(), "queue": stats, "sync": health.to_dict()}))
    else:
        print("\n".join(status_lines(account, stats, health.to_dict())))
    if check and health.state in _AUTH_STATES:
        raise Exit(code=EXIT_AUTH)
    if check and health.state in _OFFLINE_STATES:
        raise Exit(code=EXIT_OFFLINE)


@task(
    help={
        "json": "print one JSON object {checked, invalid, counts, problems, held} instead of text",
        "queue": QUEUE_HELP,
    }
)
def sync_diagnose(c, json=False, queue=None):
    """Check every queued event against the contract schemas, as it would be sent.

    Pending and dead-lettered events, lanes collapsed; each mismatch names the event, the field,
    the value found and what is expected; ends with counts by problem. Then every held event:
    why it was held, what it would take to send it, and what to do. Exit 1 when any event is
    invalid."""
    from json import loads

    from invoke import Exit

    from spec_kitty.events.validate import Tally
    from spec_kitty.jsonl import EXIT_SOME_FAILED, dumps
    from spec_kitty.queue.held import NEXT_STEP, held_events, held_lines
    from spec_kitty.queue.store import FAILED, PENDING, Queue

    tally = Tally()
    problems = []
    with Queue(queue) as store:
        for text in store.export((PENDING, FAILED)):
            event = loads(text)
            for problem in tally.check(event):
                if json:
                    problems.append(problem.to_dict())
                else:
                    print(
                        f"event {problem.event_id} ({event.get('event_type')}): {problem.message()}"
                    )
        unsent = tally.invalid  # pending or dead-lettered events the server would reject
        held = held_events(store, tally)
    if json:
        summary = {"checked": tally.checked, "invalid": tally.invalid}
        print(
            dumps(
                {
                    **summary,
                    "counts": tally.most_common(),
                    "problems": problems,
                    "held": held,
                    "held_next_step": NEXT_STEP if held else None,
                }
            )
        )
    else:
        print("\n".join(tally.summary("queued event(s)")))
        if unsent:
            print(
                "  next: invalid events are rejected by the server; fix their source, or let them "
                "dead-letter and inspect them with `queue-export --status failed`"
            )
        for line in held_lines(held):
            print(line)
    if tally.invalid:
        raise Exit(code=EXIT_SOME_FAILED)


TASKS = [sync_status, sync_diagnose]
