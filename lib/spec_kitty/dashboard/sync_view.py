"""The sync health the dashboard shows: the account of every event waiting for sync, the queue's
own stats, failures by category with their next steps, the login (its expiry times, never its
tokens) and the last sync.

Every figure comes from the module that owns it (the account, queue stats, login health, the sync
summary's next steps, the last-sync record); this module only puts them side by side.
"""

from spec_kitty.jsonl import ScriptError
from spec_kitty.queue.account import take_account
from spec_kitty.queue.store import Queue
from spec_kitty.sync.categories import CATEGORIES
from spec_kitty.sync.health import login_health
from spec_kitty.sync.last_sync import read_last_sync
from spec_kitty.sync.summary import NEXT_STEPS

# A page polls every second: a queue locked by a writer is reported, not waited for.
QUEUE_WAIT = 1.0
# Failure reasons read from the queue stats to group by category.
REASONS = 50


def sync_health() -> dict:
    try:
        with Queue(timeout=QUEUE_WAIT) as queue:
            stats = queue.stats(REASONS)
            account = take_account(queue, counts=stats["by_status"])
    except (ScriptError, OSError) as exc:
        stats = {"error": str(exc)}
        account = take_account(None, str(exc))
    return {
        "account": account.to_dict(),
        "queue": stats,
        "failures": failures_by_category(stats.get("top_failure_reasons", [])),
        "login": login_health().to_dict(),
        "last_sync": read_last_sync(),
    }


def failures_by_category(reasons: list[dict]) -> list[dict]:
    """The queue's failure reasons grouped by category, in the categories' order, each with the
    next step `sync-now` prints for it."""
    grouped: dict[str, dict] = {}
    for reason in reasons:
        category = reason["category"] if reason["category"] in CATEGORIES else "unknown"
        entry = grouped.setdefault(
            category,
            {"category": category, "count": 0, "next_step": NEXT_STEPS[category], "reasons": []},
        )
        entry["count"] += reason["count"]
        entry["reasons"].append({"reason": reason["reason"], "count": reason["count"]})
    return [grouped[category] for category in CATEGORIES if category in grouped]
