"""The dashboard in a real browser (Debian's headless Chromium, driven by Playwright): every card
in its lane, a CLI change followed without a reload, Sync now, and not one JavaScript error."""

import json
import os
import signal

import pytest
import requests
from browser_support import CHROMIUM, MISSING, chromium_page
from kitty_testing import login, run_installed
from spec_kitty.queue.store import Queue

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not CHROMIUM.exists(), reason=MISSING)]

# Generous: the page polls every second; this only keeps a loaded machine from failing the test.
FOLLOW_MS = 8000


@pytest.fixture
def dashboard_url(project):
    done = run_installed("spec-kitty", "dashboard", "--background", "--json", cwd=project)
    assert done.returncode == 0, done.stderr
    info = json.loads(done.stdout)
    try:
        yield info["url"]
    finally:
        try:
            os.kill(info["pid"], signal.SIGTERM)
        except ProcessLookupError:
            pass


def shows(locator, problems: list[str], timeout: float = FOLLOW_MS) -> None:
    """Wait for `locator`; when it never shows, say so with the page's errors so far."""
    from playwright.sync_api import TimeoutError as Timeout

    try:
        locator.wait_for(timeout=timeout)
    except Timeout:
        raise AssertionError(f"{locator} did not show; the page's errors: {problems}") from None


def card(page, feature: str, lane: str, wp: str):
    return page.locator(f'[data-feature="{feature}"] .lane[data-lane="{lane}"] [data-wp-id="{wp}"]')


def test_the_page_shows_the_board_follows_the_cli_and_syncs_now(
    project, dashboard_url, reference_server
):
    board = requests.get(dashboard_url.split("#")[0] + "api/board", timeout=10).json()
    problems: list[str] = []
    with chromium_page() as page:
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on(
            "console",
            lambda message: message.type == "error" and problems.append(message.text),
        )
        page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
        page.goto(dashboard_url)
        shows(page.locator("[data-wp-id]").first, problems)
        page.evaluate("window.notReloaded = true")

        # Every card sits in its lane of the 4-lane view, once.
        for feature in board["features"]:
            for package in feature["work_packages"]:
                found = card(page, feature["feature"], package["cli_lane"], package["wp_id"])
                assert found.count() == 1, (feature["feature"], package["wp_id"])
        assert page.locator("[data-wp-id]").count() == 4
        assert "token" not in page.url
        assert page.locator("#project").inner_text() == "shop"

        # A move made from the command line shows on the open page.
        moved = run_installed(
            "spec-kitty", "move-task", "WP01", "--to", "planned", "--feature", "001", cwd=project
        )
        assert moved.returncode == 0, moved.stderr
        shows(card(page, "001-checkout-flow", "planned", "WP01"), problems)
        assert card(page, "001-checkout-flow", "doing", "WP01").count() == 0
        started = run_installed("spec-kitty", "implement", "WP03", "--feature", "001", cwd=project)
        assert started.returncode == 0, started.stderr
        shows(card(page, "001-checkout-flow", "doing", "WP03"), problems)

        # The canonical lanes, and a card's history from the status log.
        page.get_by_role("button", name="All lanes").click()
        shows(card(page, "001-checkout-flow", "in_progress", "WP03"), problems)
        assert card(page, "001-checkout-flow", "planned", "WP01").count() == 1
        card(page, "001-checkout-flow", "in_progress", "WP03").click()
        rows = page.locator("#history-rows tr")
        shows(rows.nth(3), problems)
        moves = [row.locator("td").nth(1).inner_text() for row in rows.all()]
        assert moves == [
            "Planned → For review (forced)",
            "For review → Planned",
            "Planned → Claimed",
            "Claimed → In progress",
        ]
        assert "ignores discounts" in page.locator("#history-feedback").inner_text()
        page.locator("#history-close").click()

        # Sync now runs the same pipeline as `spec-kitty sync-now` and shows its summary.
        login(reference_server.url)
        shows(page.locator("#login-state.state-logged_in"), problems)
        with Queue() as queue:
            queued = len(list(queue.export()))
        assert queued > 0
        page.locator("#sync-now").click()
        summary = page.locator("#sync-result .summary")
        shows(summary, problems, timeout=60_000)
        assert summary.inner_text() == f"Synced: {queued}, Duplicates: 0, Failed: 0"
        assert [line.inner_text() for line in page.locator("#sync-result .summary-more").all()] == [
            "Still queued: 0 (pending: 0, held: 0, outbox: 0)",
            "Dead-lettered: 0 by this run, 0 in all",
        ]
        shows(page.locator("#queue-depth", has_text="0"), problems)
        assert page.locator("#last-line").inner_text() == summary.inner_text()
        assert len(reference_server.stored_events()) == queued

        assert page.evaluate("window.notReloaded") is True
    assert problems == []
