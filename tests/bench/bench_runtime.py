"""Global runtime figures: template resolution in-process and as a script, a 1.x migration, and
reading the table of spec-kitty-cli's stock defaults."""

import json
import os
import sys
import time
from pathlib import Path

from common import VENV_BIN, best_of, compile_toolkit, isolated_env, scratch, timed

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "runtime"))

CALLS = 2_000


def run() -> list[dict]:
    compile_toolkit()
    from kittify_project import write_legacy_project

    with scratch() as tmp:
        root = Path(tmp)
        env = isolated_env(root)
        project = write_legacy_project(root / "shop")
        migrate = timed([str(VENV_BIN / "spec-kitty"), "migrate"], env, cwd=project)
        per_call = _resolve_seconds(project, env["KITTIFY_HOME"])
        request = root / "request.jsonl"
        request.write_text('{"name": "spec-template.md"}\n')

        def script_once():
            with open(request) as stdin:
                return timed([str(VENV_BIN / "resolve-template")], env, stdin=stdin, cwd=project)

        script = best_of(5, script_once)
    load, lookup = _stock_seconds()
    return [
        {
            "figure": "resolve_template, migrated project, in-process",
            "value": per_call * 1e6,
            "unit": "us/call",
            "target": "< 1,000 us (none stated; it runs once per generated file)",
        },
        {
            "figure": "resolve-template, one request (whole process)",
            "value": script * 1000,
            "unit": "ms",
            "target": "< 300 ms (none stated)",
        },
        {
            "figure": "spec-kitty migrate of a 1.x project, first run (whole process)",
            "value": migrate * 1000,
            "unit": "ms",
            "target": "< 2,000 ms (none stated)",
        },
        {
            "figure": "stock table, first lookup in a process (reads the shipped table)",
            "value": load * 1000,
            "unit": "ms",
            "target": "< 20 ms (none stated; paid once by each command that asks)",
        },
        {
            "figure": "stock table, one lookup once read",
            "value": lookup * 1e6,
            "unit": "us/call",
            "target": "< 10 us (none stated; once per file a migration inspects)",
        },
    ]


def _resolve_seconds(project: Path, kittify_home: str) -> float:
    from spec_kitty.runtime.resolve import resolve_template

    names = ["spec-template.md", "plan-template.md", "tasks-template.md", "task-prompt-template.md"]
    saved = os.environ.get("KITTIFY_HOME")
    os.environ["KITTIFY_HOME"] = kittify_home
    try:
        start = time.perf_counter()
        for i in range(CALLS):
            resolve_template(names[i % 4], "software-dev", project)
        return (time.perf_counter() - start) / CALLS
    finally:
        if saved is None:
            del os.environ["KITTIFY_HOME"]
        else:
            os.environ["KITTIFY_HOME"] = saved


def _stock_seconds() -> tuple[float, float]:
    from spec_kitty.runtime.stock import DEFAULT, StockTable

    def first_lookup():
        start = time.perf_counter()
        StockTable(DEFAULT.path).stock_origin(rel, digest)
        return time.perf_counter() - start

    rel = "missions/software-dev/templates/plan-template.md"
    # A hit, the dearer case: the releases that shipped it are ordered for the answer.
    shipped = json.loads(DEFAULT.path.read_bytes())["files"][rel]
    digest = "sha256:" + max(shipped, key=lambda hexdigest: len(shipped[hexdigest]))
    load = best_of(5, first_lookup)
    table = StockTable.load(DEFAULT.path)
    start = time.perf_counter()
    for _ in range(CALLS):
        table.stock_origin(rel, digest)
    return load, (time.perf_counter() - start) / CALLS


if __name__ == "__main__":
    for row in run():
        print(f"{row['figure']}: {row['value']:.3f} {row['unit']} (target {row['target']})")
