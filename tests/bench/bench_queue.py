"""Foundation figures: enqueue rate, queue-stats latency at 100k, script start-up."""

import json
from pathlib import Path

from common import VENV_BIN, best_of, compile_toolkit, isolated_env, scratch, timed, write_events
from factories import PROJECT_UUID

EVENTS = 100_000
PROJECT_ARGS = ("--project-uuid", PROJECT_UUID)


def run() -> list[dict]:
    compile_toolkit()
    with scratch() as tmp:
        root = Path(tmp)
        env = isolated_env(root)
        events = write_events(root / "events.jsonl", EVENTS)
        # Each enqueue into an empty queue of its own; the best of 3, as one run on a shared
        # machine can take half again as long. The first queue is kept for queue-stats.
        homes = iter([env, *(isolated_env(root / f"full-{n}") for n in range(2))])
        wall = best_of(3, lambda: _enqueue(events, next(homes)))
        stats = best_of(5, lambda: timed([str(VENV_BIN / "queue-stats")], env))
        # Bare records ask enqueue to complete them (id, clock, identity) as well.
        bare = _bare_records(root / "bare.jsonl", events)
        bare_homes = iter(isolated_env(root / f"bare-{n}") for n in range(3))
        bare_wall = best_of(3, lambda: _enqueue(bare, next(bare_homes), PROJECT_ARGS))
        # Start-up is measured on an empty queue and empty stdin: the fixed cost of a script.
        empty = isolated_env(root / "empty")
        startup = {
            name: best_of(5, lambda name=name: _empty_run(name, empty))
            for name in ("enqueue", "queue-export", "collapse-lanes", "queue-stats")
        }
    rows = [
        {
            "figure": f"enqueue {EVENTS:,} events (whole process, best of 3)",
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


def _enqueue(records: Path, env: dict, args: tuple[str, ...] = ()) -> float:
    """One enqueue of `records` into the queue and clock of `env`'s homes."""
    with open(records) as stdin:
        return timed([str(VENV_BIN / "enqueue"), *args], env, stdin=stdin)


def _empty_run(name: str, env: dict) -> float:
    from subprocess import DEVNULL

    return timed([str(VENV_BIN / name)], env, stdin=DEVNULL)


if __name__ == "__main__":
    from run import table

    print(table(run()))
