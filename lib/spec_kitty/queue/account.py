"""Where every event waiting for sync is, in one account: pending, held and dead-lettered in the
queue, kept in the outbox because the queue could not take it, and left behind in a damaged
queue file that was salvaged. sync-status, sync-now's summary and the dashboard all show this
account, and nothing else counts these figures.
"""

from dataclasses import asdict, dataclass, field
from pathlib import Path

from spec_kitty.queue.outbox import OUTBOX_NEXT_STEP, outbox_path
from spec_kitty.queue.store import DAMAGED_MARK, FAILED, HELD, PENDING, Queue, queue_path

DEAD_LETTERED_NEXT_STEP = (
    "they are not sent again until requeued: see them with `queue-export --status failed`; "
    "after fixing the cause, `spec-kitty queue-requeue --all-failed` "
    "(or drop them: `spec-kitty queue-drop --all-failed`)"
)
HELD_NEXT_STEP = "they are not sent as they are: `spec-kitty sync-diagnose` says why and what to do"
DAMAGED_NEXT_STEP = (
    "inspect it with sqlite3; status changes it held can be queued again from the status logs "
    "with `spec-kitty queue-backfill`; delete the file when done"
)


@dataclass
class Salvage:
    """A damaged queue file kept beside the queue that was rebuilt from it."""

    path: str
    salvaged_at: str | None
    recovered: int | None
    # Rows that could not be read from it; None when that cannot be known (or was not recorded).
    unreadable: int | None

    @property
    def may_have_lost(self) -> bool:
        return self.unreadable != 0

    def describe(self) -> str:
        recovered = "?" if self.recovered is None else self.recovered
        unreadable = "an unknown number" if self.unreadable is None else self.unreadable
        return f"{self.path}: {recovered} event(s) recovered, {unreadable} could not be read"


@dataclass
class Account:
    queue: str
    outbox: int
    outbox_path: str
    # None when the queue could not be read (`error` says why).
    pending: int | None = None
    held: int | None = None
    dead_lettered: int | None = None
    salvaged: list[Salvage] = field(default_factory=list)
    error: str | None = None

    @property
    def may_have_lost(self) -> bool:
        """Whether a damaged queue file kept aside may hold events that could not be read."""
        return any(salvage.may_have_lost for salvage in self.salvaged)

    def next_steps(self) -> dict[str, str]:
        """What to do about each figure that needs it, by figure."""
        steps = {
            "dead_lettered": DEAD_LETTERED_NEXT_STEP if self.dead_lettered else None,
            "held": HELD_NEXT_STEP if self.held else None,
            "outbox": OUTBOX_NEXT_STEP if self.outbox else None,
            "salvaged": DAMAGED_NEXT_STEP if self.salvaged else None,
        }
        return {figure: step for figure, step in steps.items() if step}

    def to_dict(self) -> dict:
        return asdict(self) | {"next_steps": self.next_steps()}


def take_account(
    queue: Queue | None, error: str | None = None, counts: dict[str, int] | None = None
) -> Account:
    """The account of an open `queue`; with None (the queue could not be opened, `error`), what
    can be counted without it. `counts`: the queue's events by status as the caller just read
    them (`Queue.stats()["by_status"]`), so that a big queue is not counted twice."""
    path = queue.path if queue else queue_path()
    outbox = outbox_path()
    account = Account(queue=str(path), outbox=outbox_count(outbox), outbox_path=str(outbox))
    if queue is None:
        account.error = error
        account.salvaged = _salvaged(path, {})
        return account
    counts = queue.counts() if counts is None else counts
    account.pending, account.held, account.dead_lettered = (
        counts[PENDING],
        counts[HELD],
        counts[FAILED],
    )
    account.salvaged = _salvaged(path, queue.salvages())
    return account


def outbox_count(path: Path | None = None) -> int:
    """Events a command kept in the outbox because the queue could not take them (one a line)."""
    count = 0
    try:
        with open(path or outbox_path(), "rb") as outbox:
            for line in outbox:
                count += bool(line.strip())
    except FileNotFoundError:
        return 0
    return count


def _salvaged(queue: Path, recorded: dict[str, tuple]) -> list[Salvage]:
    """Every damaged file still kept beside `queue`, with what its salvage recorded."""
    kept = [
        path
        for path in sorted(queue.parent.glob(f"{queue.name}{DAMAGED_MARK}*"))
        if not path.name.endswith(("-wal", "-shm"))
    ]
    return [Salvage(str(path), *recorded.get(str(path), (None, None, None))) for path in kept]
