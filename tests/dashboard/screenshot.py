"""Make the README's picture of the dashboard from the demo's kind of data (`just screenshot`).

The demo's own steps, stopped mid-way so every lane has a card: its server and login, its order
history feature (WP01 done, WP02 in review, WP03 blocked), a second feature still planned, a sync,
and the demo's deliberate failure. Then `spec-kitty dashboard` serves it, headless Chromium
presses Sync now, and the page is saved as a PNG.

    .venv/bin/python tests/dashboard/screenshot.py docs/dashboard.png
"""

import argparse
import contextlib
import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

RETURNS_TASKS = """\
## WP01: Return request form
Depends on: none

- [ ] T001 Form that starts a return from an order

## WP02: Refund on receipt
Depends on: WP01

- [ ] T002 Refund once the parcel is scanned
"""


def build(demo) -> None:
    from spec_kitty.demo import failure, implement, plan

    feature = plan(demo)
    demo.run("spec-kitty", "implement", "WP01")
    implement(demo, "WP01", feature, "orders endpoint with cursor pagination")
    demo.run("spec-kitty", "move-task", "WP01", "--to", "for_review")
    demo.run("spec-kitty", "review", "WP01", "--approve")
    demo.run("spec-kitty", "implement", "WP03")
    demo.run("spec-kitty", "move-task", "WP03", "--to", "blocked", "--note", "waiting on finance")
    demo.run("spec-kitty", "implement", "WP02")
    implement(demo, "WP02", feature, "order history page")
    demo.run("spec-kitty", "move-task", "WP02", "--to", "for_review")
    demo.run("spec-kitty", "sync-now")
    created = demo.run("spec-kitty", "create-feature", "Returns", "--json")
    returns = json.loads(created.stdout)["feature"]
    demo.run("spec-kitty", "setup-plan", "--feature", returns)
    (demo.repo / "kitty-specs" / returns / "tasks.md").write_text(RETURNS_TASKS)
    demo.run("spec-kitty", "finalize-tasks", "--feature", returns)
    failure(demo)


def shoot(demo, out: Path) -> None:
    from browser_support import CHROMIUM, MISSING, chromium_page

    if not CHROMIUM.exists():
        raise SystemExit(MISSING)
    started = demo.run("spec-kitty", "dashboard", "--background", "--json", show=False)
    info = json.loads(started.stdout)
    try:
        with chromium_page(width=1280, height=860) as page:
            page.goto(info["url"])
            page.wait_for_selector("#login-state.state-logged_in")
            page.locator("#sync-now").click()
            page.wait_for_selector("#sync-result .summary", timeout=60_000)
            page.wait_for_timeout(1200)  # one more poll: the queue and last sync follow
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(out), full_page=True)
    finally:
        demo.run("spec-kitty", "dashboard", "--stop", show=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the PNG to write, e.g. docs/dashboard.png")
    args = parser.parse_args()
    from spec_kitty.demo import Demo

    with tempfile.TemporaryDirectory(prefix="spec-kitty-screenshot-") as tmp:
        demo = Demo(Path(tmp))
        narration = io.StringIO()
        try:
            with contextlib.redirect_stdout(narration):
                build(demo)
            args.out.parent.mkdir(parents=True, exist_ok=True)
            shoot(demo, args.out.resolve())
        except (SystemExit, subprocess.SubprocessError):
            print(narration.getvalue(), file=sys.stderr)
            raise
        finally:
            demo.stop_server()
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
