"""What a sync did, told to a person (one line, then one next step per failure category) and
to a machine (`--json`, `--report FILE`). Reports carry event facts and server reasons only."""

import json
from dataclasses import dataclass, field
from pathlib import Path

from spec_kitty.jsonl import ScriptError
from spec_kitty.queue.held import NEXT_STEP as HELD_NEXT_STEP
from spec_kitty.queue.held import describe_reasons
from spec_kitty.sync.categories import CATEGORIES

NEXT_STEPS = {
    "schema_mismatch": (
        "the server's event schema does not accept these events: check them with "
        "`queue-export --include-failed | collapse-lanes | validate-events`, upgrade the toolkit "
        "if the server is newer, then `spec-kitty sync-now` again"
    ),
    "auth_expired": "log in again with `spec-kitty auth-login`, then run `spec-kitty sync-now`",
    "unknown_lane": (
        "these status events name a lane that cannot be sent (`spec-kitty sync-diagnose` shows "
        "each one); " + HELD_NEXT_STEP
    ),
    "forbidden": (
        "your login may not write to this project: check the user and team with "
        "`spec-kitty auth-status` and ask the team's admin for access, then "
        "`spec-kitty sync-now` again"
    ),
    "server_error": (
        "the server failed on these events and they stay queued: run `spec-kitty sync-now` "
        "later, and tell the server's operators if it keeps happening"
    ),
    "unknown": (
        "read each event's error with `spec-kitty sync-now --report sync-report.json` "
        "or `queue-stats`"
    ),
}

REPORT_FIELDS = (
    "event_id",
    "event_type",
    "aggregate_id",
    "category",
    "error",
    "error_code",
    "retry_count",
    "outcome",
)


@dataclass
class SyncSummary:
    synced: int = 0
    duplicates: int = 0
    categories: dict[str, int] = field(default_factory=dict)
    failures: list[dict] = field(default_factory=list)
    exit_code: int = 0
    # Held in this run, by reason; held in the queue after it; released back to pending before it.
    held_new: dict[str, int] = field(default_factory=dict)
    held_total: int = 0
    released: int = 0

    @property
    def failed(self) -> int:
        return sum(self.categories.values())

    def add_failure(self, failure: dict, keep: bool) -> None:
        category = failure.get("category")
        category = category if category in CATEGORIES else "unknown"
        self.categories[category] = self.categories.get(category, 0) + 1
        if keep:
            self.failures.append(
                {key: failure.get(key) for key in REPORT_FIELDS} | {"category": category}
            )

    def line(self) -> str:
        text = f"Synced: {self.synced}, Duplicates: {self.duplicates}, Failed: {self.failed}"
        if self.categories:
            text += " (" + ", ".join(f"{c}: {n}" for c, n in self._ordered()) + ")"
        return text

    def next_steps(self) -> list[str]:
        """The lines after the summary line: what this run released and held, and what stays
        held from earlier runs; then one next step per failure category."""
        steps = [f"  {category}: {NEXT_STEPS[category]}" for category, _ in self._ordered()]
        return self._held_lines() + steps

    def _held_lines(self) -> list[str]:
        lines = []
        if self.released:
            lines.append(
                f"  released: {self.released} held event(s) that this version can send, "
                "back in the queue for this sync"
            )
        new = sum(self.held_new.values())
        if new:
            lines.append(
                f"  held: {new} ({describe_reasons(self.held_new)}), see spec-kitty sync-diagnose"
            )
        if self.held_total > new:
            lines.append(
                f"  held from earlier syncs: {self.held_total - new}, not sent "
                "(see spec-kitty sync-diagnose)"
            )
        return lines

    def as_dict(self) -> dict:
        return {
            "synced": self.synced,
            "duplicates": self.duplicates,
            "failed": self.failed,
            "categories": dict(self._ordered()),
            "next_steps": {category: NEXT_STEPS[category] for category, _ in self._ordered()},
            "held": {
                "new": sum(self.held_new.values()),
                "new_reasons": self.held_new,
                "total": self.held_total,
            },
            "released": self.released,
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
