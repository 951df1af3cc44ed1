"""Foundation figures: enqueue rate, queue-stats latency at 100k, script start-up."""

import json
from pathlib import Path

from common import VENV_BIN, best_of, compile_toolkit, isolated_env, scratch, timed, write_events
from factories import PROJECT_UUID

EVENTS = 100_000


def run() -> list[dict]:
    compile_toolkit()
    with scratch() as tmp:
        root = Path(tmp)
        env = isolated_env(root)
        events = write_events(root / "events.jsonl", EVENTS)
        with open(events) as stdin:
            wall = timed([str(VENV_BIN / "enqueue")], env, stdin=stdin)
        stats = best_of(5, lambda: timed([str(VENV_BIN / "queue-stats")], env))
        # Bare records ask enqueue to complete them (id, clock, identity) as well.
        bare = _bare_records(root / "bare.jsonl", events)
        rounds = iter(range(3))
        bare_wall = best_of(3, lambda: _enqueue_bare(bare, root / f"bare-{next(rounds)}"))
        # Start-up is measured on an empty queue and empty stdin: the fixed cost of a script.
        empty = isolated_env(root / "empty")
        startup = {
            name: best_of(5, lambda name=name: _empty_run(name, empty))
            for name in ("enqueue", "queue-export", "collapse-lanes", "queue-stats")
        }
    rows = [
        {
            "figure": f"enqueue {EVENTS:,} events (whole process)",
            "value": EVENTS / wall,
            "unit": "events/s",
            "target": ">= 50,000 events/s",
        },
        {
            "figure": f"enqueue {EVENTS:,} bare records, completed (whole process, best of 3)",
            "value": EVENTS / bare_wall,
            "unit": "events/s",
            "target": ">= 50,000 events/s",
        },
        {
            "figure": f"queue-stats on {EVENTS:,} events (whole process)",
            "value": stats * 1000,
            "unit": "ms",
            "target": "< 150 ms",
        },
    ]
    for name, seconds in startup.items():
        rows.append(
            {
                "figure": f"{name} start-up, empty input and queue",
                "value": seconds * 1000,
                "unit": "ms",
                "target": "< 60 ms",
            }
        )
    return rows


def _bare_records(path: Path, events: Path) -> Path:
    keep = ("event_type", "aggregate_id", "payload")
    with open(events) as source, open(path, "w") as out:
        for line in source:
            event = json.loads(line)
            out.write(json.dumps({k: event[k] for k in keep}) + "\n")
    return path


def _enqueue_bare(bare: Path, home: Path) -> float:
    """One enqueue of the bare records into an empty queue and clock of its own."""
    with open(bare) as stdin:
        return timed(
            [str(VENV_BIN / "enqueue"), "--project-uuid", PROJECT_UUID],
            isolated_env(home),
            stdin=stdin,
        )


def _empty_run(name: str, env: dict) -> float:
    from subprocess import DEVNULL

    return timed([str(VENV_BIN / name)], env, stdin=DEVNULL)


if __name__ == "__main__":
    from run import table

    print(table(run()))
