"""Debian's Chromium driven by Playwright, through `executable_path`: no browser download."""

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
MISSING = (
    f"Chromium is not installed at {CHROMIUM}: run `apt-get install -y chromium` "
    "(Debian's package) to run the dashboard's browser test"
)
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def chromium_page(width: int = 1280, height: int = 800, scale: float = 1) -> Iterator:
    """A page of a fresh headless Chromium profile; the browser is closed afterwards."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="dashboard-chromium-") as profile:
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                profile,
                executable_path=str(CHROMIUM),
                headless=True,
                args=ARGS,
                viewport={"width": width, "height": height},
                device_scale_factor=scale,
            )
            try:
                yield context.pages[0] if context.pages else context.new_page()
            finally:
                context.close()
