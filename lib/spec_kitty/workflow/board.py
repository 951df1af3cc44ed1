"""The board: every work package of a feature by lane, with its dependencies, and where the
files disagree with the status log (or, before there is a log, a lane folder with a stale
frontmatter)."""

from spec_kitty.events.lanes import (
    Lane,
    UnknownLane,
    display_lane,
    known_sync_lane,
    lane_fields,
    parse_lane,
)
from spec_kitty.workflow.state import FeatureState


def board(state: FeatureState) -> dict:
    lanes = state.lanes()
    logged = state.logged
    packages = []
    disagreements = []
    for wp_id, pkg in state.packages.items():
        source = "status log" if wp_id in logged else pkg.stated_by
        packages.append(
            {
                "wp_id": wp_id,
                "title": pkg.title,
                **lane_fields(lanes[wp_id]),
                "lane_from": source,
                "dependencies": [
                    {"wp_id": d, **lane_fields(lanes.get(d, "missing"))} for d in pkg.dependencies
                ],
                "path": str(pkg.path.relative_to(state.feature.root)),
            }
        )
        disagreement = _disagreement(wp_id, logged.get(wp_id), pkg)
        if disagreement:
            disagreements.append(disagreement)
    return {
        "feature": state.feature.slug,
        "target_branch": state.feature.target_branch,
        "work_packages": packages,
        "disagreements": disagreements,
    }


def _disagreement(wp_id: str, logged: Lane | str | None, pkg) -> dict | None:
    """Where the sources of a lane differ: every value, and which source is the truth."""
    if logged is not None:
        truth, truth_from = logged, "status log"
        others = {"folder": pkg.folder, "frontmatter": pkg.frontmatter_lane}
    elif pkg.folder:
        truth, truth_from = pkg.folder, "folder"
        others = {"frontmatter": pkg.frontmatter_lane}
    else:
        return None
    differing = {
        name: value
        for name, value in others.items()
        if value is not None and cli_column(value) != cli_column(truth)
    }
    if not differing:
        return None
    return {"wp_id": wp_id, truth_from: truth, **differing, "truth": truth_from}


def cli_column(lane: Lane | str) -> str:
    """The lane's column in the 4-lane view; a lane nobody knows keeps its own name."""
    return known_sync_lane(lane) or lane


# Columns in the order work flows; the first four always show, the others when not empty.
COLUMNS = (
    Lane.PLANNED,
    Lane.CLAIMED,
    Lane.IN_PROGRESS,
    Lane.FOR_REVIEW,
    Lane.IN_REVIEW,
    Lane.APPROVED,
    Lane.DONE,
    Lane.BLOCKED,
    Lane.CANCELED,
)
ALWAYS_SHOWN = (Lane.PLANNED, Lane.IN_PROGRESS, Lane.FOR_REVIEW, Lane.DONE)


def column(lane: Lane | str) -> Lane | str:
    """The board column of a lane: its canonical name (an alias shows with the lane it names,
    genesis, the lane before a work package's first transition, with planned); a lane this tool
    does not know gets a column of its own, after the known ones."""
    try:
        canonical = parse_lane(lane)
    except UnknownLane:
        return lane
    return Lane.PLANNED if canonical == Lane.GENESIS else canonical


def render_text(data: dict) -> str:
    by_column: dict[str, list[dict]] = {}
    for package in data["work_packages"]:
        by_column.setdefault(column(package["lane"]), []).append(package)
    order = list(COLUMNS) + sorted(set(by_column) - set(COLUMNS))
    lines = [f"{data['feature']} (target branch {data['target_branch'] or 'not recorded'})"]
    for name in order:
        if name not in by_column and name not in ALWAYS_SHOWN:
            continue
        members = by_column.get(name, [])
        lines.append(f"\n{display_lane(name)}: {len(members)}")
        for package in members:
            deps = ", ".join(
                f"{d['wp_id']} {display_lane(d['lane'])}" for d in package["dependencies"]
            )
            shown = f"  ({package['lane']})" if package["lane"] != name else ""
            lines.append(
                f"  {package['wp_id']}  {package['title']}{shown}"
                + (f"  [deps: {deps}]" if deps else "")
            )
    if data["disagreements"]:
        lines.append("\ndisagreements (the first source named is the truth):")
        for item in data["disagreements"]:
            values = ", ".join(
                f"{k} says {v}" for k, v in item.items() if k not in ("wp_id", "truth")
            )
            lines.append(f"  {item['wp_id']}: {values}")
    return "\n".join(lines)
