"""Dashboard figures on a project the size of a real one (30 features, 175 work packages, files
of the real sizes), served by `spec-kitty dashboard --background` as a user runs it: the page
and every API answer, warm and right after a change; and, where Chromium is installed, how long
an open page takes to show a move made with the CLI."""

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests
from common import (
    VENV_BIN,
    compile_toolkit,
    dashboard_in_background,
    git_identity,
    isolated_env,
    scratch,
    write_events,
)

# The dashboard tests' Chromium launcher serves the page figure too.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dashboard"))

FEATURES = 30
WORK_PACKAGES = 175
QUEUED = 10_000
ROUNDS = 30
LANES = ("planned", "claimed", "in_progress", "for_review", "done")
FILLER = (
    "The work package states what to build, how to check it, and what is out of scope. "
    "Each step names the files it touches and the test that proves it.\n"
)


def run() -> list[dict]:
    compile_toolkit()
    with scratch() as tmp:
        root = Path(tmp)
        env = git_identity(isolated_env(root))
        repo = build_project(root / "project", env)
        _queue(root, env)
        started = time.perf_counter()
        with dashboard_in_background(repo, env) as info:
            startup = time.perf_counter() - started
            rows = _answers(f"http://127.0.0.1:{info['port']}", repo)
            follow = _follow(info["url"], repo, env)
    rows.insert(
        0,
        {
            "figure": f"dashboard --background until its URL prints ({FEATURES} features, "
            f"{WORK_PACKAGES} WPs read once)",
            "value": startup * 1000,
            "unit": "ms",
            "target": "",
        },
    )
    if follow is not None:
        rows.append(
            {
                "figure": "a move-task shows on the open page (Chromium, after the command ends)",
                "value": follow * 1000,
                "unit": "ms",
                "target": "< 2000 ms",
            }
        )
    return rows


def build_project(repo: Path, env: dict) -> Path:
    """A git repository made a spec-kitty project, with FEATURES features and WORK_PACKAGES work
    packages in every lane, status logs, review feedback and WP files of real sizes."""
    repo.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, env=env, check=True)
    subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", "start"], cwd=repo, env=env)
    kitty = str(VENV_BIN / "spec-kitty")
    subprocess.run([kitty, "init"], cwd=repo, env=env, check=True, capture_output=True)
    sixes = WORK_PACKAGES - 5 * FEATURES
    counts = [6] * sixes + [5] * (FEATURES - sixes)
    for number, count in enumerate(counts, 1):
        _feature(repo, number, count)
    subprocess.run(["git", "add", "-A"], cwd=repo, env=env, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "features"], cwd=repo, env=env, check=True)
    return repo


def _feature(repo: Path, number: int, count: int) -> None:
    from spec_kitty.workflow.status_log import status_event

    slug = f"{number:03d}-feature-{number}"
    directory = repo / "kitty-specs" / slug
    (directory / "tasks").mkdir(parents=True)
    (directory / "meta.json").write_text(
        json.dumps({"feature_number": f"{number:03d}", "slug": slug, "target_branch": "main"})
    )
    (directory / "spec.md").write_text(f"# Feature {number}\n\n" + FILLER * 40)
    sections, events = [], []
    recent = number > FEATURES - 5  # the last features are still moving
    for index in range(1, count + 1):
        wp = f"WP{index:02d}"
        depends = f"WP{index - 1:02d}" if index > 1 else "none"
        sections.append(
            f"## {wp}: Work package {index} of feature {number}\nDepends on: {depends}\n\n"
            + "".join(f"- [ ] T{index:02d}{t} Step {t}\n" for t in range(1, 6))
            + "\n"
            + FILLER * 12
            + "\n"
        )
        lane = LANES[(index + number) % len(LANES)] if recent else "done"
        moves = list(LANES[: LANES.index(lane) + 1])
        for before, after in zip(moves, moves[1:], strict=False):
            events.append(status_event(wp, slug, before, after, "claude-opus"))
        _wp_file(directory / "tasks" / f"{wp}-work-package-{index}.md", wp, number, index, lane)
    (directory / "tasks.md").write_text(f"# Tasks: feature {number}\n\n" + "".join(sections))
    (directory / "status.events.jsonl").write_text(
        "".join(json.dumps(event, sort_keys=True) + "\n" for event in events)
    )


def _wp_file(path: Path, wp: str, number: int, index: int, lane: str) -> None:
    from spec_kitty.events.lanes import collapse_lane

    feedback = index % 4 == 0
    history = "".join(
        f"- timestamp: '2026-03-0{1 + step}T10:00:00Z'\n  lane: {collapse_lane(step_lane)}\n"
        f"  agent: claude-opus\n  action: moved to {step_lane}\n"
        for step, step_lane in enumerate(LANES[: LANES.index(lane) + 1])
    )
    path.write_text(
        f"---\nwork_package_id: {wp}\ntitle: Work package {index} of feature {number}\n"
        f"lane: {collapse_lane(lane)}\n"
        f"dependencies: [{f'WP{index - 1:02d}' if index > 1 else ''}]\n"
        f"subtasks: [T{index:02d}1, T{index:02d}2, T{index:02d}3]\n"
        f"phase: Phase {index}\nassignee: ''\nagent: claude-opus\nshell_pid: ''\n"
        f"review_status: {'has_feedback' if feedback else 'approved'}\nreviewed_by: reviewer\n"
        f"history:\n{history}---\n"
        f"# {wp}: Work package {index}\n\n"
        + FILLER * 80
        + "\n## Review Feedback\n\n"
        + (
            "### 2026-03-05 – changes requested by reviewer\n\nHandle the empty case.\n"
            if feedback
            else ""
        )
        + "\n## Activity Log\n\n- 2026-03-01 – claude-opus – started\n"
    )


def _queue(root: Path, env: dict) -> None:
    """QUEUED events in the queue, a tenth of them rejected once (so failures show)."""
    events = write_events(root / "events.jsonl", QUEUED)
    with open(events) as stdin:
        subprocess.run(
            [str(VENV_BIN / "enqueue")], env=env, stdin=stdin, check=True, stdout=subprocess.DEVNULL
        )
    ids = [json.loads(line)["event_id"] for line in events.read_text().splitlines()]
    rejections = "".join(
        json.dumps(
            {
                "event_id": event_id,
                "status": "rejected",
                "error": f"payload field {n % 3} is invalid",
                "category": "schema_mismatch",
            }
        )
        + "\n"
        for n, event_id in enumerate(ids[::10])
    )
    subprocess.run(
        [str(VENV_BIN / "queue-ack")],
        env=env,
        input=rejections.encode(),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _answers(base: str, repo: Path) -> list[dict]:
    session = requests.Session()
    paths = {
        "page (/ + dashboard.js + dashboard.css)": [
            "/",
            "/static/dashboard.js",
            "/static/dashboard.css",
        ],
        "GET /api/board": ["/api/board"],
        f"GET /api/sync ({QUEUED:,} queued events)": ["/api/sync"],
        "GET /api/history/<feature>/<wp>": ["/api/history/030-feature-30/WP03"],
    }
    rows = []
    for name, group in paths.items():
        times = [_fetch(session, base, group) for _ in range(ROUNDS)]
        rows.append(_row(f"{name}, median of {ROUNDS}", statistics.median(times)))
        rows.append(_row(f"{name}, slowest of {ROUNDS}", max(times)))
    changed = []
    wp = next((repo / "kitty-specs" / "015-feature-15" / "tasks").glob("WP02-*.md"))
    for round_ in range(ROUNDS):
        wp.write_text(wp.read_text().replace("phase: Phase", f"phase: {round_} Phase", 1))
        changed.append(_fetch(session, base, ["/api/board"]))
    rows.append(
        _row(
            f"GET /api/board after a WP file changed, median of {ROUNDS}",
            statistics.median(changed),
        )
    )
    rows.append(_row(f"GET /api/board after a WP file changed, slowest of {ROUNDS}", max(changed)))
    return rows


def _fetch(session: requests.Session, base: str, paths: list[str]) -> float:
    start = time.perf_counter()
    for path in paths:
        response = session.get(base + path, timeout=10)
        response.raise_for_status()
    return time.perf_counter() - start


def _row(figure: str, seconds: float) -> dict:
    return {"figure": figure, "value": seconds * 1000, "unit": "ms", "target": "< 100 ms"}


def _follow(url: str, repo: Path, env: dict) -> float | None:
    """Seconds from the end of a `move-task` to its card in the new lane on an open page."""
    from browser_support import CHROMIUM, chromium_page

    if not CHROMIUM.exists():
        return None
    with chromium_page() as page:
        page.goto(url)
        page.wait_for_selector("[data-wp-id]")
        times = []
        for lane, cli in (("planned", "planned"), ("claimed", "doing")) * 3:
            subprocess.run(
                [
                    str(VENV_BIN / "spec-kitty"),
                    "move-task",
                    "WP01",
                    "--to",
                    lane,
                    "--feature",
                    "030",
                ],
                cwd=repo,
                env=env,
                check=True,
                capture_output=True,
            )
            start = time.perf_counter()
            page.wait_for_selector(
                f'[data-feature="030-feature-30"] .lane[data-lane="{cli}"] [data-wp-id="WP01"]',
                timeout=10_000,
            )
            times.append(time.perf_counter() - start)
    return statistics.median(times)


if __name__ == "__main__":
    from run import table

    print(table(run()))
