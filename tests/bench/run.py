"""Run every tests/bench/bench_*.py (with --peer: every peer_*.py, the figures beside spec-kitty
2.1.3) and print one table: figure, value, target, machine.

Each bench module exposes `run() -> list[dict]` with rows {"figure", "value", "unit", "target"};
`--json` prints the rows (plus the machine) as JSON instead of a table.
"""

import argparse
import importlib.util
import json
import os
import platform
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument(
        "--peer",
        action="store_true",
        help="instead: the same work beside spec-kitty 2.1.3, and the ratios (peer_*.py)",
    )
    parser.add_argument("names", nargs="*", help="only these bench modules (e.g. bench_queue)")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    rows = []
    for path in sorted(HERE.glob("peer_*.py" if args.peer else "bench_*.py")):
        if args.names and path.stem not in args.names:
            continue
        print(f"running {path.stem} ...", file=sys.stderr, flush=True)
        for row in load(path).run():
            rows.append({"bench": path.stem, **row})
    if args.json:
        print(json.dumps({"machine": machine(), "figures": rows}, indent=2))
    else:
        print(table(rows))
        print(f"\nmachine: {machine()}")
    return 0


def table(rows: list[dict]) -> str:
    header = ("figure", "value", "target")
    body = [(r["figure"], f"{r['value']:,.{_decimals(r)}f} {r['unit']}", r["target"]) for r in rows]
    widths = [max(len(str(line[i])) for line in (header, *body)) for i in range(3)]
    return "\n".join(
        "  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True))
        for line in (header, *body)
    )


def _decimals(row: dict) -> int:
    """Ratios and seconds with two decimals (0.54 x, 0.41 s), everything else with one."""
    return 2 if row["unit"] in ("x", "s") else 1


if __name__ == "__main__":
    sys.exit(main())
