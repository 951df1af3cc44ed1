"""The last sync's summary, kept in the spec-kitty home so that a person (or the dashboard) can
see what the most recent `sync-now` did without running one.

One small JSON file, replaced whole when a sync ends: its counts, failure categories with their
next steps, exit code, and when it started and finished. It holds no event data, no server
address and no token.
"""

import json
from datetime import UTC, datetime
from pathlib import Path

from spec_kitty.atomic import replace_file
from spec_kitty.homes import ensure_private_dir, spec_kitty_home
from spec_kitty.sync.summary import SyncSummary

LAST_SYNC_FILE = "last-sync.json"


def last_sync_path() -> Path:
    return spec_kitty_home() / LAST_SYNC_FILE


def record_last_sync(summary: SyncSummary, started_at: datetime) -> dict:
    """Write `summary` as the last sync's (atomically; owner-only); returns what was written."""
    record = {
        "started_at": _iso(started_at),
        "finished_at": _iso(datetime.now(UTC)),
        "line": summary.line(),
        **summary.as_dict(),
    }
    path = last_sync_path()
    ensure_private_dir(path.parent)
    replace_file(path, json.dumps(record, ensure_ascii=False, indent=1) + "\n", mode=0o600)
    return record


def read_last_sync() -> dict | None:
    """The last sync's summary; None before the first sync, or when the file is unreadable
    (it is only a record, replaced by the next sync)."""
    try:
        record = json.loads(last_sync_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
