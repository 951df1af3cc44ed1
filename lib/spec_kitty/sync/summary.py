"""What a sync did, told to a person (one line, then one next step per failure category) and
to a machine (`--json`, `--report FILE`). Reports carry event facts and server reasons only."""

import json
from dataclasses import dataclass, field
from pathlib import Path

from spec_kitty.jsonl import ScriptError
from spec_kitty.sync.categories import CATEGORIES

NEXT_STEPS = {
    "schema_mismatch": (
        "the server's event schema does not accept these events: check them with "
        "`queue-export --include-failed | collapse-lanes | validate-events`, upgrade the toolkit "
        "if the server is newer, then `spec-kitty sync-now` again"
    ),
    "auth_expired": "log in again with `spec-kitty auth-login`, then run `spec-kitty sync-now`",
    "unknown_lane": (
        "these status events name a lane outside planned, claimed, in_progress, for_review, done, "
        "blocked, canceled: correct the work package's lane and record the move again "
        "(`spec-kitty sync-now --report FILE` lists the events)"
    ),
    "forbidden": (
        "your login may not write to this project: check the user and team with "
        "`spec-kitty auth-status` and ask the team's admin for access, then "
        "`spec-kitty sync-now` again"
    ),
    "conflict": (
        "the server already holds other events under these ids in your project (sent first by "
        "someone else, or an altered copy): resending cannot replace them, so they were set "
        "aside. `spec-kitty sync-now --report FILE` names them; ask the project's admin who sent "
        "the server's copies and to remove them, then `spec-kitty queue-requeue` and "
        "`spec-kitty sync-now`"
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
        return [f"  {category}: {NEXT_STEPS[category]}" for category, _ in self._ordered()]

    def as_dict(self) -> dict:
        return {
            "synced": self.synced,
            "duplicates": self.duplicates,
            "failed": self.failed,
            "categories": dict(self._ordered()),
            "next_steps": {category: NEXT_STEPS[category] for category, _ in self._ordered()},
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
