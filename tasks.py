"""Repository tasks: every user-facing spec-kitty task, plus developer-only ones."""

import sys

from invoke import Exit, task
from spec_kitty.tasks import build_namespace
from spec_kitty.tasks.base import task as kitty_task

PY = sys.executable


@task(help={"k": "only tests matching this expression", "workers": "parallel pytest workers"})
def test(c, k=None, workers=2):
    """Run the test suite (both cores by default)."""
    select = f" -k {k!r}" if k else ""
    c.run(f"{PY} -m pytest -n {workers}{select}", pty=False)


@task
def lint(c):
    """ruff over the library, scripts, tests and tasks."""
    c.run(f"{PY} -m ruff check lib bin tests tasks.py")
    c.run(f"{PY} -m ruff format --check lib bin tests tasks.py")


@task(
    help={
        "json": "print the figures as JSON instead of a table",
        "peer": "instead: the sync and the workflow beside spec-kitty 2.1.3 (installed on first "
        "use into ~/.cache/spec-kitty-peer), and the ratios",
    }
)
def bench(c, json=False, peer=False):
    """Run every benchmark under tests/bench/ and print the figures."""
    c.run(f"{PY} tests/bench/run.py" + (" --json" if json else "") + (" --peer" if peer else ""))


@kitty_task(
    help={
        "cache": "folder for the downloaded releases, reused by later runs "
        "(default ~/.cache/spec-kitty-release-hashes)",
        "out": "the table to write (default templates/spec-kitty-hashes.json)",
    }
)
def release_hashes(c, cache=None, out=None):
    """Hash the default files of every spec-kitty-cli release on PyPI into the shipped table."""
    from pathlib import Path

    from spec_kitty.runtime import stock_build

    table = Path(out) if out else stock_build.default_table()
    cache_dir = Path(cache).expanduser() if cache else stock_build.default_cache()
    report = stock_build.build(cache_dir, table)
    print(stock_build.summary(report, table), file=sys.stderr)
    if report.skipped:
        raise Exit(code=1)


ns = build_namespace()
for developer_task in (test, lint, bench, release_hashes):
    ns.add_task(developer_task)
