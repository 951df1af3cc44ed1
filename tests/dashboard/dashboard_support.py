"""Helpers of the dashboard tests: a project with features in several lanes, and a dashboard
served in a thread on 127.0.0.1."""

import threading
from dataclasses import dataclass
from pathlib import Path

from kitty_testing import git

TOKEN = "test-run-key-0123456789abcdef"
AGENT = "dash-agent"
FEEDBACK = "The cart total ignores discounts.\n"

CHECKOUT_TASKS = """\
## WP01: Cart API
Depends on: none

- [ ] T001 Cart endpoints

## WP02: Cart page
Depends on: WP01

- [ ] T002 Page over the cart API

## WP03: Discounts
Depends on: none

- [ ] T003 Discount rules
"""

SEARCH_TASKS = """\
## WP01: Search index
Depends on: none

- [ ] T001 Index the catalogue
"""


def make_project(root: Path) -> Path:
    """A spec-kitty project with two features:

    001-checkout-flow: WP01 in_progress (implemented by AGENT), WP02 planned (waits for WP01),
    WP03 planned again after a rejected review (with FEEDBACK); 002-search: WP01 planned.
    """
    from spec_kitty.workflow.execution import implement, move_task, review
    from spec_kitty.workflow.features import load_feature
    from spec_kitty.workflow.init import init_project
    from spec_kitty.workflow.planning import create_feature, finalize_tasks, setup_plan

    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "commit", "-q", "--allow-empty", "-m", "initial commit")
    init_project(root)
    for name, tasks in (("Checkout flow", CHECKOUT_TASKS), ("Search", SEARCH_TASKS)):
        slug = create_feature(root, name, None)["feature"]
        setup_plan(root, load_feature(root, slug))
        (root / "kitty-specs" / slug / "tasks.md").write_text(tasks)
        finalize_tasks(root, load_feature(root, slug))
    checkout = load_feature(root, "001-checkout-flow")
    implement(root, checkout, "WP01", AGENT)
    move_task(root, checkout, "WP03", "for_review", AGENT, force=True, reason="test set-up")
    feedback = root.parent / "feedback.md"
    feedback.write_text(FEEDBACK)
    review(root, checkout, "WP03", "reviewer", feedback_file=feedback)
    return root


@dataclass
class Served:
    url: str
    port: int
    app: object


class served:
    """The dashboard of `root` on 127.0.0.1 (a free port) in a background thread."""

    def __init__(self, root: Path, token: str = TOKEN):
        from spec_kitty.dashboard.app import DashboardApp
        from spec_kitty.dashboard.running import bind

        self.app = DashboardApp(root, token, "shop")
        self.server = bind(self.app, 0)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> Served:
        self.thread.start()
        port = self.server.server_address[1]
        return Served(f"http://127.0.0.1:{port}", port, self.app)

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
