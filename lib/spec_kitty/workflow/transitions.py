"""The lane state machine of work packages: which moves are allowed, and the guards on them.

    planned -> claimed -> in_progress -> for_review -> done
Side moves: any open lane -> blocked or canceled; blocked -> planned, claimed or in_progress;
claimed/in_progress -> planned (handing the work back); for_review -> in_progress (the
implementer takes it back) or planned (review rejected). done and canceled are final.
planned -> in_progress is the two moves planned -> claimed -> in_progress.

Lanes other spec-kitty releases write are read, and work packages move on out of them; none of
this tool's own moves leads into them from the seven lanes above:
- approved (2.1+: the review passed, not merged yet) -> done, or back to planned / in_progress
  on a change of heart;
- in_review (3.1.7+: a reviewer took it) -> approved, back to for_review (the review released),
  planned or in_progress (changes needed);
- genesis (3.x: before a work package's first transition) -> planned, and on from there as from
  planned; never a target.

A refused move says why and what would make it allowed. `--force` (always with a reason) moves
a work package anywhere but genesis, guards and table notwithstanding, and the log records it as
forced.
"""

from spec_kitty.events.lanes import Lane, UnknownLane, parse_lane
from spec_kitty.jsonl import ScriptError

PL, CL, IP, FR, DN, BL, CA = (
    Lane.PLANNED,
    Lane.CLAIMED,
    Lane.IN_PROGRESS,
    Lane.FOR_REVIEW,
    Lane.DONE,
    Lane.BLOCKED,
    Lane.CANCELED,
)
AP, IR, GE = Lane.APPROVED, Lane.IN_REVIEW, Lane.GENESIS

ALLOWED: dict[Lane, frozenset[Lane]] = {
    PL: frozenset({CL, BL, CA}),
    CL: frozenset({IP, PL, BL, CA}),
    IP: frozenset({FR, PL, BL, CA}),
    FR: frozenset({DN, IP, PL, BL, CA}),
    BL: frozenset({PL, CL, IP, CA}),
    DN: frozenset(),
    CA: frozenset(),
    AP: frozenset({DN, PL, IP, BL, CA}),
    IR: frozenset({AP, FR, PL, IP, BL, CA}),
    GE: frozenset({PL, CA}),
}

# What `implement` records to start work from each lane it starts from.
START: dict[Lane, list[Lane]] = {
    GE: [PL, CL, IP],
    PL: [CL, IP],
    BL: [IP],
    CL: [IP],
}


class TransitionRefused(ScriptError):
    """A move the state machine or a guard does not allow; the message says what would."""


def target_lane(value: str) -> Lane:
    try:
        lane = parse_lane(value)
    except UnknownLane as exc:
        raise ScriptError(str(exc)) from None
    if lane == GE:
        raise ScriptError(
            "genesis is the lane of a work package before its first transition; no move leads "
            "into it (use planned)"
        )
    return lane


def steps(wp_id: str, current: Lane | str, target: Lane) -> list[Lane]:
    """The lanes a move passes through, ending at `target`; TransitionRefused when not allowed."""
    try:
        here = parse_lane(current)
    except UnknownLane:
        raise TransitionRefused(
            f"{wp_id} is in lane {current!r}, which this tool does not know; "
            "move it with --force --reason TEXT"
        ) from None
    if here == target:
        raise TransitionRefused(f"{wp_id} is already in {target}")
    if target in ALLOWED[here]:
        return [target]
    if here == PL and target == IP:
        return [CL, IP]
    if here == GE:
        # genesis is the lane before planned: on from planned, naming planned if refused.
        return [PL, *steps(wp_id, PL, target)]
    if not ALLOWED[here]:
        raise TransitionRefused(
            f"{wp_id} is {here}, which is final; reopen it with --force --reason TEXT"
        )
    allowed = ", ".join(sorted(ALLOWED[here]))
    raise TransitionRefused(
        f"{wp_id} cannot move from {here} to {target}; from {here} it can go "
        f"to: {allowed} (or use --force --reason TEXT)"
    )


def require_reason(force: bool, reason: str | None) -> None:
    if force and not (reason and reason.strip()):
        raise ScriptError("--force needs --reason TEXT saying why the move is forced")


def start_steps(current: Lane | str) -> list[Lane] | None:
    """The moves `implement` records from `current` to in_progress; None when it does not start
    work from there (a lane this tool does not know included)."""
    try:
        return START.get(parse_lane(current))
    except UnknownLane:
        return None


def starts_work(current: Lane | str, target: Lane) -> bool:
    """Whether moving from `current` to `target` starts the work (so its dependencies must be
    done): claimed or in_progress from a lane where the work has not begun."""
    try:
        here = parse_lane(current)
    except UnknownLane:
        return False
    return target in (CL, IP) and here in (PL, BL, GE)


def submits_work(current: Lane | str, target: Lane) -> bool:
    """Whether moving to `target` hands work in for review (so there must be commits): for_review
    from anywhere but in_review, whose move back to for_review only releases the review."""
    return target == FR and current != IR


def check_dependencies(wp_id: str, dependencies: list[str], lanes: dict[str, Lane | str]) -> None:
    """Starting work needs every dependency done."""
    waiting = [
        f"{dep} ({lanes.get(dep, 'missing')})"
        for dep in dependencies
        if lanes.get(dep) != Lane.DONE
    ]
    if waiting:
        raise TransitionRefused(
            f"{wp_id} depends on {', '.join(waiting)}, not done yet; finish "
            f"{'it' if len(waiting) == 1 else 'them'} first (or --force --reason TEXT)"
        )


def check_has_commits(wp_id: str, branch: str, base: str | None, ahead: int | None) -> None:
    """for_review needs work to review: commits on the WP branch beyond its base."""
    if ahead is None:
        raise TransitionRefused(
            f"{wp_id} has no branch {branch} to review; run `spec-kitty implement {wp_id}` and "
            "commit the work there (or --force --reason TEXT)"
        )
    if ahead == 0:
        raise TransitionRefused(
            f"{wp_id}'s branch {branch} has no commits beyond its base {base}; commit the work "
            "in its worktree first (or --force --reason TEXT)"
        )


def check_review_path(wp_id: str, current: Lane | str, target: Lane) -> None:
    """done is reached through a review, which records who approved it, or from approved, where
    a review already did."""
    if target == DN and current != AP:
        raise TransitionRefused(
            f"{wp_id} reaches done through review: run `spec-kitty review {wp_id} --approve` "
            "(or --force --reason TEXT)"
        )
