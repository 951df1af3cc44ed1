"""The demo behind `just demo`: the whole product, end to end, on throwaway state.

A reference ingest server on 127.0.0.1, a fresh git repository, and a feature taken from spec to
reviewed work packages and synced. Everything lives under one temporary folder (its own HOME,
SPEC_KITTY_HOME and KITTIFY_HOME), every step runs the same commands a user runs, and each step
is narrated in one line.
"""

import json
import os
import shlex
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from spec_kitty.workflow.features import load_feature

BIN = Path(sys.executable).parent
USER, PASSWORD = "demo", "demo-password"
SHOWN_LINES = 14

TASKS_MD = """\
# Tasks: Order history

## WP01: Order history API
Depends on: none

- [ ] T001 Endpoint that lists a customer's orders, newest first
- [ ] T002 Pagination with a stable cursor

## WP02: Order history page
Depends on: WP01

- [ ] T003 Page that renders the list from the API
- [ ] T004 Empty and error states

## WP03: Export orders as CSV
Depends on: none

- [ ] T005 CSV export of the same list
"""

FEEDBACK = "The empty state needs a link back to the catalogue.\n"


class DemoFailed(SystemExit):
    pass


class Demo:
    def __init__(self, root: Path):
        self.root = root
        self.repo = root / "order-app"
        home = root / "home"
        home.mkdir()
        # The demo's own homes and identity; the caller's sync settings do not leak in.
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("SPEC_KITTY_")}
        self.env = {
            **inherited,
            "HOME": str(home),
            "SPEC_KITTY_HOME": str(home / ".spec-kitty"),
            "KITTIFY_HOME": str(home / ".kittify"),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": "Demo Developer",
            "GIT_AUTHOR_EMAIL": "demo@example.test",
            "GIT_COMMITTER_NAME": "Demo Developer",
            "GIT_COMMITTER_EMAIL": "demo@example.test",
            "SPEC_KITTY_AGENT": "demo-agent",
        }
        self.count = 0
        self.server: subprocess.Popen | None = None
        self.url = ""

    def step(self, text: str) -> None:
        self.count += 1
        print(f"\n[{self.count:2d}] {text}", flush=True)

    def run(self, *argv: str, cwd: Path | None = None, input: str = "", ok=(0,), show=True):
        """Run a command as a user would; show its output; stop the demo on a surprise."""
        if show:
            print(f"     $ {' '.join(argv)}", flush=True)
        program = str(BIN / argv[0]) if (BIN / argv[0]).exists() else argv[0]
        done = subprocess.run(
            [program, *argv[1:]],
            input=input,
            capture_output=True,
            text=True,
            env=self.env,
            cwd=cwd or (self.repo if self.repo.exists() else self.root),
        )
        if show:
            output = (done.stdout + done.stderr).splitlines()
            for line in output[:SHOWN_LINES]:
                print(f"       {line}")
            if len(output) > SHOWN_LINES:
                print(f"       ... ({len(output) - SHOWN_LINES} more lines)")
        if done.returncode not in ok:
            raise DemoFailed(
                f"demo: `{' '.join(argv)}` exited {done.returncode}:\n{done.stderr.strip()}"
            )
        return done

    def start_server(self) -> None:
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        argv = [
            "spec-kitty",
            "serve",
            "--port",
            str(port),
            "--user-stdin",
            "--db",
            str(self.root / "server" / "ingest.db"),
        ]
        print(f"     $ echo {USER}:*** | {' '.join(argv)} &", flush=True)
        (self.root / "server").mkdir()
        self.server_log = open(self.root / "server" / "server.log", "w")
        self.server = subprocess.Popen(
            [str(BIN / argv[0]), *argv[1:]],
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=self.server_log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        # The password goes in on stdin: on the command line other local users could read it.
        self.server.stdin.write(f"{USER}:{PASSWORD}\n")
        self.server.stdin.close()
        _wait_for_port(port, self.server)
        print(f"       listening on {self.url} (log: {self.server_log.name})")

    def stop_server(self) -> None:
        if self.server and self.server.poll() is None:
            self.server.terminate()
            self.server.wait(timeout=10)
        if self.server:
            self.server_log.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise DemoFailed(f"demo: the reference server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise DemoFailed("demo: the reference server did not start within 15 s")


def implement(demo: Demo, wp: str, feature: str, work: str) -> None:
    """What an agent does in the work package's worktree: write code and commit it."""
    tree = load_feature(demo.repo, feature).worktree(wp)
    (tree / f"{wp.lower()}.txt").write_text(work + "\n")
    demo.run("git", "add", "-A", cwd=tree, show=False)
    demo.run("git", "commit", "-qm", f"{wp}: {work}", cwd=tree, show=False)
    print(f"       (the agent commits its work for {wp} in {tree.relative_to(demo.repo)})")


def plan(demo: Demo) -> str:
    demo.step("Start the reference ingest server (the SaaS stand-in) on 127.0.0.1")
    demo.start_server()

    demo.step("Log in; the tokens go to the credentials file spec-kitty 2.x also reads")
    demo.run(
        "spec-kitty",
        "auth-login",
        "--server",
        demo.url,
        "--username",
        USER,
        "--password-stdin",
        input=PASSWORD + "\n",
    )

    demo.step("Create a throwaway git repository and make it a spec-kitty project")
    demo.repo.mkdir()
    demo.run("git", "init", "-q", "-b", "main")
    (demo.repo / "README.md").write_text("# Order app\n")
    demo.run("git", "add", "README.md", show=False)
    demo.run("git", "commit", "-qm", "Initial commit", show=False)
    demo.run("spec-kitty", "init")

    demo.step("Create the feature: spec.md from the template, meta.json, one commit")
    created = json.loads(
        demo.run("spec-kitty", "create-feature", "Order history", "--json", show=False).stdout
    )
    feature = created["feature"]
    print(f'     $ spec-kitty create-feature "Order history"\n       -> kitty-specs/{feature}/')

    demo.step("Plan it: plan.md from the plan template")
    demo.run("spec-kitty", "setup-plan")

    demo.step("Write tasks.md (three work packages, WP02 depends on WP01) and finalize it")
    (demo.repo / "kitty-specs" / feature / "tasks.md").write_text(TASKS_MD)
    demo.run("spec-kitty", "finalize-tasks")
    return feature


def execute(demo: Demo, feature: str) -> None:
    demo.step("WP02 cannot start before WP01 is done")
    demo.run("spec-kitty", "implement", "WP02", ok=(2,))

    demo.step("Implement WP01: worktree and branch, planned -> claimed -> in_progress")
    demo.run("spec-kitty", "implement", "WP01")
    implement(demo, "WP01", feature, "orders endpoint with cursor pagination")

    demo.step("WP03 starts in parallel, then is blocked waiting for a decision")
    demo.run("spec-kitty", "implement", "WP03")
    demo.run(
        "spec-kitty",
        "move-task",
        "WP03",
        "--to",
        "blocked",
        "--note",
        "waiting for the finance team's column list",
    )

    demo.step("WP01 to review, and approved: for_review -> done")
    demo.run("spec-kitty", "move-task", "WP01", "--to", "for_review")
    demo.run("spec-kitty", "review", "WP01", "--approve")

    demo.step("WP02 is unblocked now; implemented, rejected with feedback, fixed, approved")
    demo.run("spec-kitty", "implement", "WP02")
    implement(demo, "WP02", feature, "order history page")
    demo.run("spec-kitty", "move-task", "WP02", "--to", "for_review")
    feedback = demo.root / "review-feedback.md"
    feedback.write_text(FEEDBACK)
    demo.run("spec-kitty", "review", "WP02", "--reject", "--feedback", str(feedback))
    demo.run("spec-kitty", "implement", "WP02")
    (load_feature(demo.repo, feature).worktree("WP02") / "empty-state.txt").write_text("link\n")
    implement(demo, "WP02", feature, "empty state links back to the catalogue")
    demo.run("spec-kitty", "move-task", "WP02", "--to", "for_review")
    demo.run("spec-kitty", "review", "WP02", "--approve")

    demo.step("WP03 unblocked, finished and approved")
    demo.run("spec-kitty", "move-task", "WP03", "--to", "in_progress")
    implement(demo, "WP03", feature, "CSV export")
    demo.run("spec-kitty", "move-task", "WP03", "--to", "for_review")
    demo.run("spec-kitty", "review", "WP03", "--approve")

    demo.step("The board, derived from the status log")
    demo.run("spec-kitty", "board")


def sync(demo: Demo) -> None:
    demo.step("Every change was queued offline; sync status before syncing")
    demo.run("spec-kitty", "sync-status", "--check")

    demo.step("Sync now: queue-export | collapse-lanes | batch-send | queue-ack")
    demo.run("spec-kitty", "sync-now")

    demo.step("Sync status after: the queue is empty")
    demo.run("spec-kitty", "sync-status")

    demo.step("What the server stored (status lanes collapsed to the 4 sync lanes)")
    db = str(demo.root / "server" / "ingest.db")
    demo.run("spec-kitty", "server-events", "--db", db, "--limit", "8")
    done = demo.run("spec-kitty", "server-events", "--db", db, "--json", show=False)
    stored = [json.loads(line)["event"] for line in done.stdout.splitlines() if line.strip()]
    moves = [
        f"{e['payload']['wp_id']} {e['payload']['from_lane']}->{e['payload']['to_lane']}"
        for e in stored
        if e["event_type"] == "WPStatusChanged"
    ]
    print(f"       {len(stored)} events stored; the status changes as the server has them:")
    for start in range(0, len(moves), 6):
        print("         " + ", ".join(moves[start : start + 6]))


def failure(demo: Demo) -> None:
    demo.step("Deliberately queue one invalid event (a work package id the contract refuses)")
    bad = {
        "event_type": "WPStatusChanged",
        "aggregate_id": "WP7",
        "payload": {"wp_id": "WP7", "from_lane": "planned", "to_lane": "claimed"},
    }
    demo.run("enqueue", input=json.dumps(bad) + "\n")

    demo.step("sync-diagnose finds it locally, before the server does")
    demo.run("spec-kitty", "sync-diagnose", ok=(1,))

    demo.step("sync-now: the server rejects it; the summary groups it with its next step")
    demo.run("spec-kitty", "sync-now", ok=(1,))


def dashboard_command(demo: Demo) -> str:
    """How to open `spec-kitty dashboard` on the demo's repository and homes."""
    homes = " ".join(
        f"{name}={shlex.quote(demo.env[name])}" for name in ("SPEC_KITTY_HOME", "KITTIFY_HOME")
    )
    return (
        f"cd {shlex.quote(str(demo.repo))} && {homes} "
        f"{shlex.quote(str(BIN / 'spec-kitty'))} dashboard --open"
    )


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="spec-kitty-demo-"))
    demo = Demo(root)
    print(f"spec-kitty demo: all state lives under {root}")
    try:
        feature = plan(demo)
        execute(demo, feature)
        sync(demo)
        failure(demo)
    finally:
        demo.stop_server()
    print(
        f"\nDemo done: the server is stopped; the repository, homes and server data are in {root}"
    )
    print(
        "See the board and the sync health of the demo's data as a live page "
        f"(Ctrl-C stops it):\n  {dashboard_command(demo)}"
    )


if __name__ == "__main__":
    main()
