"""Repository tasks: every user-facing spec-kitty task, plus developer-only ones."""

import sys

from invoke import task
from spec_kitty.tasks import build_namespace

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


@task(help={"json": "print the figures as JSON instead of a table"})
def bench(c, json=False):
    """Run every benchmark under tests/bench/ and print the figures."""
    c.run(f"{PY} tests/bench/run.py" + (" --json" if json else ""))


ns = build_namespace()
for developer_task in (test, lint, bench):
    ns.add_task(developer_task)
