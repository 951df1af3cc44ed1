"""The demo behind `just demo`: the product end to end on throwaway state.

Everything happens under one temporary folder (its own HOME, SPEC_KITTY_HOME and KITTIFY_HOME),
through the same console scripts and tasks a user runs; each step is narrated in one line.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

BIN = Path(sys.executable).parent
PROJECT_UUID = "6f1c7c52-2d7e-4c1e-9a57-2f1d0e7b9a11"


class Demo:
    def __init__(self, root: Path):
        self.root = root
        home = root / "home"
        home.mkdir()
        self.env = {
            **os.environ,
            "HOME": str(home),
            "SPEC_KITTY_HOME": str(home / ".spec-kitty"),
            "KITTIFY_HOME": str(home / ".kittify"),
        }
        self.step_number = 0

    def step(self, text: str) -> None:
        self.step_number += 1
        print(f"\n[{self.step_number}] {text}", flush=True)

    def run(self, *argv: str, input: str = "", ok=(0,)) -> str:
        """Run a command of the product; show its output indented; fail on an unexpected code."""
        print(f"    $ {' '.join(argv)}", flush=True)
        done = subprocess.run(
            [str(BIN / argv[0]), *argv[1:]],
            input=input,
            capture_output=True,
            text=True,
            env=self.env,
            cwd=self.root,
        )
        for line in (done.stdout + done.stderr).splitlines()[:12]:
            print(f"      {line}")
        if done.returncode not in ok:
            raise SystemExit(f"demo: `{' '.join(argv)}` exited {done.returncode}")
        return done.stdout


def lines(*records: dict) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


def status_change(wp: str, from_lane: str, to_lane: str) -> dict:
    return {
        "event_type": "WPStatusChanged",
        "aggregate_id": wp,
        "payload": {"wp_id": wp, "from_lane": from_lane, "to_lane": to_lane, "actor": "demo"},
    }


def queue_steps(demo: Demo) -> None:
    demo.step("Queue three status changes offline (bare records, completed by enqueue)")
    demo.run(
        "enqueue",
        "--project-uuid",
        PROJECT_UUID,
        "--project-slug",
        "demo",
        input=lines(
            status_change("WP01", "planned", "claimed"),
            status_change("WP01", "claimed", "in_progress"),
            status_change("WP01", "in_progress", "blocked"),
        ),
    )
    demo.step("Queue health: depth, age, retries")
    demo.run("queue-stats")
    demo.step("What would be sent: queue-export | collapse-lanes (7 lanes -> 4)")
    exported = demo.run("queue-export")
    demo.run("collapse-lanes", input=exported)


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="spec-kitty-demo-"))
    demo = Demo(root)
    print(f"spec-kitty demo: all state under {root}")
    queue_steps(demo)
    print(f"\ndemo done; everything it wrote is under {root}")


if __name__ == "__main__":
    main()
