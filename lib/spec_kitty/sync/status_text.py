"""sync-status as a person reads it: where the events waiting for sync are, what failed and what
to do, and the state of the login."""

from spec_kitty.queue.account import Account


def status_lines(account: Account, stats: dict, sync: dict) -> list[str]:
    """The queue's account and figures (Queue.stats), then the login's health (Health.to_dict),
    each failure or hold with what to do about it."""
    lines = [
        f"Queue {account.queue}",
        f"  pending: {account.pending}   dead-lettered: {account.dead_lettered}   "
        f"held: {account.held}   outbox: {account.outbox}   "
        f"damaged files: {len(account.salvaged)}   "
        f"oldest: {_age(stats['oldest_event_age_seconds'])}",
        "  retries: "
        + (
            ", ".join(f"{n} event(s) x{count}" for count, n in stats["retry_counts"].items()) or "-"
        ),
    ]
    if stats["top_failing_event_types"]:
        lines.append(
            "  failing event types: "
            + ", ".join(
                f"{t['event_type']} ({t['count']})" for t in stats["top_failing_event_types"]
            )
        )
    for reason in stats["top_failure_reasons"]:
        lines.append(f"  failure [{reason['category']}] x{reason['count']}: {reason['reason']}")
    steps = account.next_steps()
    if account.dead_lettered:
        lines.append(f"  dead-lettered: {account.dead_lettered}: {steps['dead_lettered']}")
    for reason in stats["held_reasons"]:
        lines.append(f"  held [{reason['category']}] x{reason['count']}: {reason['reason']}")
    if account.held:
        lines.append(f"  held: {account.held}: {steps['held']}")
    if account.outbox:
        lines.append(
            f"  outbox: {account.outbox} event(s) a command could not queue, in "
            f"{account.outbox_path}: {steps['outbox']}"
        )
    for salvage in account.salvaged:
        lines.append(f"  damaged queue kept: {salvage.describe()}")
    if account.salvaged:
        lines.append(f"  damaged files: {steps['salvaged']}")
    lines.append(f"Sync {sync['state'].replace('_', ' ')}: {sync['detail']}")
    if sync["access_expires_at"]:
        lines.append(
            f"  access token expires {sync['access_expires_at']}, "
            f"refresh token {sync['refresh_expires_at']}"
        )
    if sync["next_step"]:
        lines.append(f"  next: {sync['next_step']}")
    return lines


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit} ago"
    return f"{seconds:.0f} s ago"
