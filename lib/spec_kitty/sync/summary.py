"""What a sync did, told to a person and to a machine (`--json`, `--report FILE`).

The text: the seed's line `Synced: N, Duplicates: N, Failed: N (reason: category: N, ...)`, what
this run moved on its own (from the outbox, held events released), one next step per failure
category, and last the counts that matter next: what stays queued and why, and what is
dead-lettered, by this run and in all. Reports carry event facts and server reasons only.
"""

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from spec_kitty.jsonl import ScriptError
from spec_kitty.queue.account import Account
from spec_kitty.queue.held import NEXT_STEP as HELD_NEXT_STEP
from spec_kitty.queue.held import describe_reasons
from spec_kitty.records import AckOutcome
from spec_kitty.sync.categories import CATEGORIES
from spec_kitty.sync.stop import Stop

# What fixes each category; `next_step` adds whether a plain sync-now then sends the events.
NEXT_STEPS = {
    "schema_mismatch": (
        "the server's event schema does not accept these events: check them with "
        "`queue-export --include-failed | collapse-lanes | validate-events`, and upgrade the "
        "toolkit if the server is newer"
    ),
    "auth_expired": "log in again with `spec-kitty auth-login`",
    "unknown_lane": (
        "these status events name a lane that cannot be sent (`spec-kitty sync-diagnose` shows "
        "each one); " + HELD_NEXT_STEP
    ),
    "forbidden": (
        "your login may not write to this project: check the user and team with "
        "`spec-kitty auth-status` and ask the team's admin for access"
    ),
    "oversized_event": (
        "these events are larger than the server accepts in one request (each one's size is in "
        "`spec-kitty sync-now --report FILE`): ask the server's operators to raise the limit; "
        "an event that can never fit can be dropped once dead-lettered, with "
        "`spec-kitty queue-drop --event-id ID`"
    ),
    "conflict": (
        "the server already holds other events under these ids in your project (sent first by "
        "someone else, or an altered copy): resending cannot replace them, so they were set "
        "aside. `spec-kitty sync-now --report FILE` names them; ask the project's admin who sent "
        "the server's copies and to remove them, then `spec-kitty queue-requeue` and "
        "`spec-kitty sync-now`"
    ),
    "server_error": (
        "the server failed on these events and they stay queued, nothing counted against them: "
        "run `spec-kitty sync-now` later, and tell the server's operators if it keeps happening"
    ),
    "unknown": (
        "read each event's error with `spec-kitty sync-now --report sync-report.json` "
        "or `queue-stats`"
    ),
}
# Categories whose events a plain sync-now sends again once the cause is fixed.
_RESENT = ("schema_mismatch", "auth_expired", "forbidden", "unknown")
_REQUEUE = (
    "now dead-lettered (sync-now no longer sends them): after the fix, "
    "`spec-kitty queue-requeue --all-failed`, then `spec-kitty sync-now`"
)

REPORT_FIELDS = (
    "event_id",
    "event_type",
    "aggregate_id",
    "category",
    "error",
    "error_code",
    "details",
    "retry_count",
    "outcome",
)


def next_step(category: str, failed: int = 0, dead_lettered: int = 0) -> str:
    """The step for `failed` events of `category`, `dead_lettered` of which this run moved to
    the dead letters."""
    step = NEXT_STEPS[category]
    resend = ", then `spec-kitty sync-now` again" if category in _RESENT else ""
    if not dead_lettered:
        return step + resend
    if dead_lettered < failed:
        return f"{step}{resend}; {dead_lettered} of them {_REQUEUE}"
    return f"{step}; {_REQUEUE}"


@dataclass
class SyncSummary:
    synced: int = 0
    duplicates: int = 0
    categories: dict[str, int] = field(default_factory=dict)
    failures: list[dict] = field(default_factory=list)
    exit_code: int = 0
    # What this run did on its own before sending.
    outbox_queued: int = 0
    released: int = 0
    # Held in this run, by reason; dead-lettered in this run, by category; refused but kept
    # pending (sent again by the next sync).
    held_new: dict[str, int] = field(default_factory=dict)
    dead_lettered_new: dict[str, int] = field(default_factory=dict)
    refused_pending: int = 0
    # Why the run ended before the server settled everything, if it did.
    stop: Stop | None = None
    # Where every event waiting for sync is once the run is over.
    account: Account | None = None

    @property
    def failed(self) -> int:
        return sum(self.categories.values())

    def add_failure(self, failure: dict, keep: bool) -> None:
        category = failure.get("category")
        category = category if category in CATEGORIES else "unknown"
        self.categories[category] = self.categories.get(category, 0) + 1
        outcome = failure.get("outcome")
        if outcome == AckOutcome.DEAD_LETTERED:
            self.dead_lettered_new[category] = self.dead_lettered_new.get(category, 0) + 1
        elif outcome in (AckOutcome.REJECTED, AckOutcome.KEPT):
            self.refused_pending += 1
        if keep:
            self.failures.append(
                {key: failure.get(key) for key in REPORT_FIELDS} | {"category": category}
            )

    def line(self) -> str:
        text = f"Synced: {self.synced}, Duplicates: {self.duplicates}, Failed: {self.failed}"
        if self.categories:
            text += " (reason: " + ", ".join(f"{c}: {n}" for c, n in self._ordered()) + ")"
        return text

    def lines(self) -> list[str]:
        """The whole summary as printed, the seed's line first and the counts that matter next
        last."""
        steps = [f"  {category}: {step}" for category, step in self.next_steps().items()]
        return [self.line(), *self._this_run(), *steps, *self._remaining()]

    def next_steps(self) -> dict[str, str]:
        return {
            category: next_step(category, count, self.dead_lettered_new.get(category, 0))
            for category, count in self._ordered()
        }

    def _this_run(self) -> list[str]:
        lines = []
        if self.outbox_queued:
            lines.append(
                f"  from the outbox: {self.outbox_queued} event(s) a command could not queue "
                "earlier, queued by this sync"
            )
        if self.released:
            lines.append(
                f"  released: {self.released} held event(s) that this version can send, "
                "back in the queue for this sync"
            )
        return lines

    def _remaining(self) -> list[str]:
        account = self.account
        if account is None:
            return []
        lines = [
            f"Still queued: {account.pending + account.held + account.outbox} "
            f"(pending: {account.pending}, held: {account.held}, outbox: {account.outbox})"
        ]
        if account.pending:
            lines.append(f"  pending: {self._why_pending()}")
        if account.held:
            new = sum(self.held_new.values())
            by_this_run = f"{new} by this run ({describe_reasons(self.held_new)}); " if new else ""
            lines.append(f"  held: {by_this_run}{account.next_steps()['held']}")
        if account.outbox:
            lines.append(
                f"  outbox: {account.outbox} line(s) of {account.outbox_path} could not be queued "
                "(see the warnings above)"
            )
        dead = account.dead_lettered
        lines.append(
            f"Dead-lettered: {sum(self.dead_lettered_new.values())} by this run, {dead} in all"
            + (f": {account.next_steps()['dead_lettered']}" if dead else "")
        )
        for salvage in account.salvaged:
            lines.append(
                f"Damaged queue kept: {salvage.describe()}; {account.next_steps()['salvaged']}"
            )
        return lines

    def _why_pending(self) -> str:
        if self.stop:
            return f"not sent, {self.stop.describe()}; {self.stop.next_step}"
        step = "the next `spec-kitty sync-now` sends them"
        if self.refused_pending:
            step += f" ({self.refused_pending} refused by this run, see above)"
        return step

    def as_dict(self) -> dict:
        return {
            "synced": self.synced,
            "duplicates": self.duplicates,
            "failed": self.failed,
            "categories": dict(self._ordered()),
            "next_steps": self.next_steps(),
            "lines": self.lines(),
            "outbox_queued": self.outbox_queued,
            "released": self.released,
            "held_new": self.held_new,
            "dead_lettered_new": sum(self.dead_lettered_new.values()),
            "stopped": self.stop.to_dict() if self.stop else None,
            "account": self.account.to_dict() if self.account else None,
            "exit_code": self.exit_code,
        }

    def write_report(self, path: Path) -> None:
        report = self.as_dict() | {"failures": self.failures}
        try:
            path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", "utf-8")
        except OSError as exc:
            raise ScriptError(f"cannot write the report {path}: {exc.strerror}") from None

    def _ordered(self) -> list[tuple[str, int]]:
        return [(c, self.categories[c]) for c in CATEGORIES if self.categories.get(c)]


def check_report_path(path: Path) -> None:
    """Fail before anything is sent when the report could not be written at `path`."""
    folder = path.parent
    problem = None
    if path.is_dir():
        problem = "is a folder"
    elif not folder.is_dir():
        problem = f"has no folder {folder}"
    elif not os.access(folder, os.W_OK | os.X_OK) or (
        path.exists() and not os.access(path, os.W_OK)
    ):
        problem = "cannot be written"
    if problem:
        raise ScriptError(
            f"--report {path} {problem}: expected a file that can be written; nothing was sent"
        )
