"""The execution commands: implement, move-task and review.

Every move is appended to the status log first (the truth); the WP file's frontmatter `lane:`
(and, in the 0.x layout, its lane folder) is then rewritten from it. A feature whose log does not
yet know a work package is bootstrapped on its first move: one forced event per work package
whose files state a lane other than planned, saying where that lane was read.

implement's base: every dependency must be done (or the start forced, with a reason). A
dependency whose branch is not yet merged into the target branch still holds work this one builds
on, so the worktree starts from that branch when there is exactly one such; with several it
refuses (merge them first), and with none it starts from the target branch.
"""

import os
from dataclasses import dataclass
from pathlib import Path

from spec_kitty.events.lanes import Lane, collapse_lane, display_lane, known_sync_lane, lane_fields
from spec_kitty.jsonl import ScriptError
from spec_kitty.workflow import frontmatter, git, records, transitions, wp_files
from spec_kitty.workflow.changeset import Changeset
from spec_kitty.workflow.features import Feature
from spec_kitty.workflow.lock import exclusive
from spec_kitty.workflow.state import FeatureState, load_state
from spec_kitty.workflow.status_log import status_event, utc_timestamp
from spec_kitty.workflow.text import read_text
from spec_kitty.workflow.workspace import check_target_branch
from spec_kitty.workflow.wp_body import (
    ACTIVITY,
    FEEDBACK,
    activity_line,
    add_to_section,
    feedback_entry,
    latest_feedback,
)
from spec_kitty.workflow.wp_files import WorkPackage

FINISHED = {Lane.DONE, Lane.CANCELED}


def default_agent() -> str:
    """Who acts: SPEC_KITTY_AGENT, else "user" (as spec-kitty 2.x records it)."""
    return os.environ.get("SPEC_KITTY_AGENT") or "user"


@dataclass
class Move:
    """One command's change to a work package: what it records and what it writes."""

    state: FeatureState
    wp: WorkPackage
    targets: list[Lane]
    actor: str
    force: bool = False
    reason: str | None = None
    evidence: dict | None = None
    review_ref: str | None = None
    execution_mode: str = "direct_repo"


def record(
    changes: Changeset, move: Move, fields: dict, entries: list[tuple[str, str]]
) -> list[dict]:
    """Append the move (after any bootstrap) to the log and rewrite the WP file from it."""
    state, feature = move.state, move.state.feature
    logged = state.logged
    bootstrapped = [
        pkg
        for wp, pkg in state.packages.items()
        if wp not in logged and pkg.stated_lane != Lane.PLANNED
    ]
    events = [
        status_event(
            pkg.wp_id,
            feature.slug,
            Lane.PLANNED,
            pkg.stated_lane,
            move.actor,
            force=True,
            reason=f"bootstrap from {pkg.stated_by} lane {pkg.stated_lane} before the first move",
        )
        for pkg in bootstrapped
    ]
    current = state.lanes()[move.wp.wp_id]
    for target in move.targets:
        events.append(
            status_event(
                move.wp.wp_id,
                feature.slug,
                current,
                target,
                move.actor,
                force=move.force,
                reason=move.reason,
                evidence=move.evidence,
                review_ref=move.review_ref,
                execution_mode=move.execution_mode,
            )
        )
        current = target
    state.status = changes.append_log(feature.log_path, events)
    rewrite_wp_file(changes, feature, move.wp, {"lane": collapse_lane(current), **fields}, entries)
    for pkg in bootstrapped:
        if pkg is not move.wp and _stale_frontmatter(pkg):
            rewrite_wp_file(changes, feature, pkg, {"lane": collapse_lane(pkg.stated_lane)}, [])
    return events


def _stale_frontmatter(pkg: WorkPackage) -> bool:
    """The files state a known lane, and the frontmatter shows another one (or none)."""
    view = known_sync_lane(pkg.stated_lane)
    if view is None:
        return False
    return pkg.frontmatter_lane is None or known_sync_lane(pkg.frontmatter_lane) != view


def rewrite_wp_file(
    changes: Changeset,
    feature: Feature,
    wp: WorkPackage,
    fields: dict,
    entries: list[tuple[str, str]],
) -> None:
    """The derived views: frontmatter fields, body entries, and the lane folder in 0.x layout."""
    raw, body = frontmatter.split(wp_files.set_fields(wp.path, fields))
    for heading, entry in entries:
        body = add_to_section(body, heading, entry)
    if wp.folder and fields["lane"] != wp.folder:
        moved = feature.tasks_dir / fields["lane"] / wp.path.name
        changes.move(wp.path, moved)
        wp.path, wp.folder = moved, fields["lane"]
    changes.write(wp.path, frontmatter.join(raw or "", body))


def follow_ups(state: FeatureState, wp_id: str, before: dict[str, Lane | str]) -> list[dict]:
    """DependencyResolved for the dependents of a WP that just became done; FeatureCompleted."""
    after = state.lanes()
    slug = state.feature.slug
    if after[wp_id] != Lane.DONE or before[wp_id] == Lane.DONE:
        return []
    found = [records.dependency_resolved(slug, dep, wp_id) for dep in state.dependents(wp_id)]
    if all(lane in FINISHED for lane in after.values()):
        found.append(records.feature_completed(slug, len(after)))
    return found


@exclusive
def implement(
    root: Path,
    feature: Feature,
    wp_id: str,
    actor: str,
    force: bool = False,
    reason: str | None = None,
    commit: bool = True,
) -> dict:
    """Start a WP: its worktree on its own branch, and planned -> claimed -> in_progress.

    `force` (with a reason) starts it although a dependency is not done; the moves are logged
    as forced, with the reason."""
    transitions.require_reason(force, reason)
    state = load_state(feature)
    wp = state.package(wp_id)
    target = _target_branch(root, feature, commit)
    lanes = state.lanes()
    lane = lanes[wp_id]
    branch = feature.wp_branch(wp_id)
    worktree = feature.worktree(wp_id)
    result = {
        "feature": feature.slug,
        "wp_id": wp_id,
        "branch": branch,
        "worktree": str(worktree),
        "prompt": str(wp.path),
        "feedback": open_feedback(wp),
        "forced": False,
    }
    if lane == Lane.IN_PROGRESS:
        # Already started: hand the prompt out again, with its worktree back if it was removed.
        if not worktree.is_dir():
            known = branch in git.local_branches(root)
            git.add_worktree(root, worktree, branch, None if known else target)
        base = wp.fields.get("base_branch")
        return {**result, **lane_fields(lane), "base": base, "started": False}
    targets = transitions.start_steps(lane)
    if targets is None:
        raise transitions.TransitionRefused(
            f"{wp_id} is {display_lane(lane)}; implement starts a planned work package "
            f"(see `spec-kitty board --feature {feature.slug}`)"
        )
    if not force:
        transitions.check_dependencies(wp_id, wp.dependencies, lanes)
    branches = git.local_branches(root)
    with Changeset(root) as changes:
        if branch in branches:
            base_branch = wp.fields.get("base_branch") or target
            base_commit = wp.fields.get("base_commit") or git.rev_parse(root, base_branch)
            if not worktree.is_dir():
                changes.add_worktree(worktree, branch, None)
        else:
            base_branch = choose_base(root, feature, wp, target, branches)
            base_commit = git.rev_parse(root, base_branch)
            if base_commit is None:
                raise ScriptError(f"branch {base_branch} has no commits yet; commit to it first")
            changes.add_worktree(worktree, branch, base_commit)
        move = Move(state, wp, targets, actor, force, reason, execution_mode="worktree")
        at = utc_timestamp()
        fields = {"agent": actor, "base_branch": base_branch, "base_commit": base_commit}
        forced = f" (forced: {reason})" if force else ""
        started = f"{display_lane(lane)} -> {display_lane(Lane.IN_PROGRESS)}{forced}"
        note = f"{started}: implementation started in {worktree.relative_to(feature.root)}"
        events = record(changes, move, fields, [(ACTIVITY, activity_line(at, actor, note))])
        changes.queue(
            [records.status_changed(e) for e in events]
            + [records.wp_assigned(feature.slug, wp_id, actor, "implementation")]
        )
        result = {
            **result,
            "prompt": str(wp.path),  # moved with its lane folder in the 0.x layout
            **lane_fields(Lane.IN_PROGRESS),
            "base": base_branch,
            "started": True,
            "forced": force,
        }
        committed = changes.commit(f"{feature.slug} {wp_id}: start implementation", commit, result)
    return {**result, "committed": committed}


def open_feedback(wp: WorkPackage) -> str | None:
    """The latest review feedback while the review's verdict is "has_feedback" (many WP files
    carry an empty Review Feedback section from their template)."""
    if wp.fields.get("review_status") != "has_feedback":
        return None
    return latest_feedback(frontmatter.split(read_text(wp.path))[1])


def choose_base(root: Path, feature: Feature, wp: WorkPackage, target: str, branches) -> str:
    unmerged = [
        branch
        for branch in map(feature.wp_branch, wp.dependencies)
        if branch in branches and not git.is_ancestor(root, branch, target)
    ]
    if len(unmerged) > 1:
        raise ScriptError(
            f"{wp.wp_id} builds on {', '.join(unmerged)}, not yet merged into {target}; merge "
            f"them into {target} first, then run `spec-kitty implement {wp.wp_id}` again"
        )
    return unmerged[0] if unmerged else target


@exclusive
def move_task(
    root: Path,
    feature: Feature,
    wp_id: str,
    to: str,
    actor: str,
    note: str | None = None,
    force: bool = False,
    reason: str | None = None,
    commit: bool = True,
) -> dict:
    """Move a WP along the lane model, guards first; --force (with a reason) skips them."""
    transitions.require_reason(force, reason)
    target = transitions.target_lane(to)
    state = load_state(feature)
    wp = state.package(wp_id)
    _target_branch(root, feature, commit)
    before = state.lanes()
    current = before[wp_id]
    if force:
        if current == target:
            raise transitions.TransitionRefused(f"{wp_id} is already in {display_lane(target)}")
        targets = [target]
    else:
        targets = transitions.steps(wp_id, current, target)
        _guard(root, feature, state, wp, current, target)
    at = utc_timestamp()
    moved = f"{display_lane(current)} -> {display_lane(target)}"
    text = moved + (f" (forced: {reason})" if force else "")
    entries = [(ACTIVITY, activity_line(at, actor, text + (f": {note}" if note else "")))]
    move = Move(state, wp, targets, actor, force=force, reason=reason or note)
    with Changeset(root) as changes:
        events = record(changes, move, {}, entries)
        sent = [records.status_changed(e) for e in events]
        if note:
            sent.append(records.history_added(feature.slug, wp_id, "note", note))
        changes.queue(sent + follow_ups(state, wp_id, before))
        result = {
            "feature": feature.slug,
            "wp_id": wp_id,
            **lane_fields(current, "from_"),
            **lane_fields(target, "to_"),
            "forced": force,
        }
        message = f"{feature.slug} {wp_id}: {current} -> {target}"  # as logged
        committed = changes.commit(message, commit, result)
    return {**result, "committed": committed}


def _guard(root, feature, state, wp, current: Lane | str, target: Lane) -> None:
    if transitions.starts_work(current, target):
        transitions.check_dependencies(wp.wp_id, wp.dependencies, state.lanes())
    if transitions.submits_work(current, target):
        branch = feature.wp_branch(wp.wp_id)
        base = str(wp.fields.get("base_commit") or feature.target_branch or "HEAD")
        ahead = git.commits_between(root, base, branch) if git.rev_parse(root, branch) else None
        transitions.check_has_commits(wp.wp_id, branch, base, ahead)
    transitions.check_review_path(wp.wp_id, current, target)


@exclusive
def review(
    root: Path,
    feature: Feature,
    wp_id: str,
    actor: str,
    approve: bool = False,
    feedback_file: Path | None = None,
    commit: bool = True,
) -> dict:
    """Approve (for_review -> done) or reject with feedback (for_review -> planned)."""
    feedback = _read_feedback(feedback_file) if not approve else None
    state = load_state(feature)
    wp = state.package(wp_id)
    _target_branch(root, feature, commit)
    before = state.lanes()
    if before[wp_id] != Lane.FOR_REVIEW:
        raise transitions.TransitionRefused(
            f"{wp_id} is {display_lane(before[wp_id])}; review takes a work package in for_review "
            f"(`spec-kitty move-task {wp_id} --to for_review`)"
        )
    at = utc_timestamp()
    relative = str(wp.path.relative_to(root))
    if approve:
        verdict, target, status = "approved", Lane.DONE, "approved"
        entries = [(ACTIVITY, activity_line(at, actor, "for_review -> done: review approved"))]
        reason, ref = "review approved", None
    else:
        verdict, target, status = "changes_requested", Lane.PLANNED, "has_feedback"
        entries = [
            (FEEDBACK, feedback_entry(at, actor, feedback)),
            (ACTIVITY, activity_line(at, actor, "for_review -> planned: changes requested")),
        ]
        reason, ref = "changes requested: see Review Feedback", f"{relative}#review-feedback"
    evidence = {"review": {"reference": ref or reason, "reviewer": actor, "verdict": verdict}}
    move = Move(state, wp, [target], actor, reason=reason, evidence=evidence, review_ref=ref)
    fields = {"review_status": status, "reviewed_by": actor}
    with Changeset(root) as changes:
        events = record(changes, move, fields, entries)
        sent = [records.wp_assigned(feature.slug, wp_id, actor, "review")]
        sent += [records.status_changed(e) for e in events]
        sent.append(records.history_added(feature.slug, wp_id, "review", feedback or "approved"))
        changes.queue(sent + follow_ups(state, wp_id, before))
        result = {
            "feature": feature.slug,
            "wp_id": wp_id,
            "verdict": verdict,
            **lane_fields(target, "to_"),
        }
        committed = changes.commit(f"{feature.slug} {wp_id}: review {verdict}", commit, result)
    return {**result, "committed": committed}


def _read_feedback(path: Path | None) -> str:
    if path is None:
        raise ScriptError("--reject needs --feedback FILE with what must change")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScriptError(f"cannot read feedback file {path}: {exc}") from None
    if not text.strip():
        raise ScriptError(f"feedback file {path} is empty; say what must change")
    return text


def _target_branch(root: Path, feature: Feature, commit: bool) -> str:
    if commit:
        return check_target_branch(root, feature)
    target = feature.target_branch or git.current_branch(root)
    if not target:
        raise ScriptError(f"{root} has a detached HEAD and {feature.slug} names no target branch")
    return target
