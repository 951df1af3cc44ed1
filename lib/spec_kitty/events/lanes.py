"""Work-package lanes: the canonical model and its 4-lane sync view.

The canonical model is the seed's seven lanes plus the three that spec-kitty writes today:
`approved` (2.1+: the review passed, the work is not merged yet), `in_review` (3.1.7+: a reviewer
has taken a work package from for_review) and `genesis` (3.x: a work package before its first
transition; finalize-tasks records `genesis -> planned`). `collapse_lane` is the only place the
canonical -> sync mapping is defined; the three newer lanes collapse as spec-kitty's own events
library maps them.
"""

from enum import StrEnum


class Lane(StrEnum):
    PLANNED = "planned"
    CLAIMED = "claimed"
    IN_PROGRESS = "in_progress"
    FOR_REVIEW = "for_review"
    DONE = "done"
    BLOCKED = "blocked"
    CANCELED = "canceled"
    APPROVED = "approved"
    IN_REVIEW = "in_review"
    GENESIS = "genesis"


class SyncLane(StrEnum):
    """The 4 lanes the sync server accepts, which the CLI's board and lane folders use too."""

    PLANNED = "planned"
    DOING = "doing"
    FOR_REVIEW = "for_review"
    DONE = "done"


# Names older releases and the 4-lane CLI use for a canonical lane.
LANE_ALIASES = {SyncLane.DOING.value: Lane.IN_PROGRESS}

# The CLI-side (and sync) representation, as plain names.
LANES = tuple(lane.value for lane in SyncLane)

_SYNC_LANE = {
    Lane.PLANNED: SyncLane.PLANNED,
    Lane.CLAIMED: SyncLane.DOING,
    Lane.IN_PROGRESS: SyncLane.DOING,
    Lane.FOR_REVIEW: SyncLane.FOR_REVIEW,
    Lane.DONE: SyncLane.DONE,
    Lane.BLOCKED: SyncLane.DOING,
    Lane.CANCELED: SyncLane.DONE,
    Lane.APPROVED: SyncLane.DONE,
    Lane.IN_REVIEW: SyncLane.FOR_REVIEW,
    Lane.GENESIS: SyncLane.PLANNED,
}


def collapse_table() -> list[str]:
    """The canonical -> sync mapping in words, one line per sync lane, for help texts
    (`claimed, in_progress, blocked -> doing`); a lane of the same name in both is left out."""
    lines = []
    for sync in SyncLane:
        names = [lane.value for lane, shown in _SYNC_LANE.items() if shown == sync and lane != sync]
        if names:
            lines.append(f"{', '.join(names)} -> {sync}")
    return lines


def accepted_lanes() -> str:
    """Every name `parse_lane` takes, for messages: the canonical lanes, then the aliases."""
    return ", ".join([lane.value for lane in Lane] + list(LANE_ALIASES))


class UnknownLane(ValueError):
    """A lane name that is neither canonical nor an alias; never guessed."""

    def __init__(self, value: object, field: str | None = None):
        super().__init__(f"{_brief(value, field)}: expected one of {accepted_lanes()}")
        self.value = value
        self.field = field

    @property
    def brief(self) -> str:
        """The problem without the list of accepted lanes: "unknown lane 'x' in to_lane"."""
        return _brief(self.value, self.field)


def _brief(value: object, field: str | None) -> str:
    return f"unknown lane {value!r}" + (f" in {field}" if field else "")


# Every name parse_lane takes (a dict lookup is several times quicker than calling the enum).
_CANONICAL = {lane.value: lane for lane in Lane}
_BY_NAME = _CANONICAL | LANE_ALIASES


def parse_lane(value: object, field: str | None = None) -> Lane:
    """The canonical lane for `value` (a canonical name or an alias); `field` names it in errors."""
    lane = _BY_NAME.get(value) if isinstance(value, str) else None
    if lane is None:
        raise UnknownLane(value, field)
    return lane


def read_lane(value: str) -> Lane | str:
    """A lane as a file or the status log names it: the canonical Lane of that name, else the
    name as written (an alias or a lane nobody knows is kept, never guessed; so is anything but
    a string)."""
    return _CANONICAL.get(value, value) if isinstance(value, str) else value


def collapse_lane(value: object, field: str | None = None) -> SyncLane:
    """The 4-lane sync value for a canonical lane or alias; UnknownLane otherwise."""
    return _SYNC_LANE[parse_lane(value, field)]


def known_sync_lane(value: object) -> SyncLane | None:
    """The 4-lane sync value of a lane, or None for a lane nobody knows."""
    try:
        return collapse_lane(value)
    except UnknownLane:
        return None


def display_lane(value: object) -> str:
    """A lane as people read it: its 4-lane CLI name, followed by the canonical lane where that
    differs (`doing (in_progress)`); a lane nobody knows is shown as it is."""
    try:
        canonical = parse_lane(value)
    except UnknownLane:
        return str(value)
    shown = collapse_lane(canonical)
    return shown if shown == canonical else f"{shown} ({canonical})"


def lane_fields(value: object, prefix: str = "") -> dict:
    """A lane's two names for machine output: `lane`, canonical as logged, and `cli_lane`, its
    4-lane CLI name (None for a lane nobody knows); `prefix` names them, e.g. `to_`."""
    return {f"{prefix}lane": value, f"{prefix}cli_lane": known_sync_lane(value)}
