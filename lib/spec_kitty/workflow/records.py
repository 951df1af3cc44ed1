"""The sync events a workflow command emits, as bare records for `spec_kitty.queue.emit`.

A status change keeps its status-log event_id and time on the way to the queue, so queueing it
again (queue-backfill) is recognised as a duplicate. Lanes stay canonical here; they are
collapsed to the 4 sync lanes when sent.
"""

from pathlib import Path

from spec_kitty.events.envelope import new_event_id
from spec_kitty.jsonl import warn


def _record(event_type: str, aggregate_id: str, payload: dict) -> dict:
    return {
        "event_id": new_event_id(),
        "event_type": event_type,
        "aggregate_id": aggregate_id,
        "payload": payload,
    }


def status_changed(event: dict) -> dict:
    """A status-log line as its sync event; a forced move says so, with its reason, as
    spec-kitty's event model requires of a forced transition."""
    payload = {
        "wp_id": event["wp_id"],
        "from_lane": event["from_lane"],
        "to_lane": event["to_lane"],
        "actor": event.get("actor"),
        "feature_slug": event.get("feature_slug"),
        "policy_metadata": event.get("policy_metadata"),
    }
    if event.get("force"):
        payload |= {"force": True, "reason": event.get("reason")}
    return {
        "event_id": event["event_id"],
        "event_type": "WPStatusChanged",
        "aggregate_id": event["wp_id"],
        "timestamp": event["at"],
        "payload": payload,
    }


def feature_created(slug: str, target_branch: str, wp_count: int = 0) -> dict:
    payload = {
        "feature_slug": slug,
        "feature_number": slug[:3],
        "target_branch": target_branch,
        "wp_count": wp_count,
    }
    return _record("FeatureCreated", slug, payload)


def artifact_created(slug: str, artifact: str, path: str) -> dict:
    payload = {"feature_slug": slug, "artifact": artifact, "path": path}
    return _record("FeatureArtifactCreated", slug, payload)


def wp_created(slug: str, wp_id: str, title: str, dependencies: list[str]) -> dict:
    payload = {"wp_id": wp_id, "title": title, "feature_slug": slug, "dependencies": dependencies}
    return _record("WPCreated", wp_id, payload)


def wp_assigned(slug: str, wp_id: str, agent: str, phase: str) -> dict:
    payload = {"wp_id": wp_id, "agent_id": agent, "phase": phase, "feature_slug": slug}
    return _record("WPAssigned", wp_id, payload)


def history_added(slug: str, wp_id: str, entry_type: str, content: str) -> dict:
    payload = {
        "wp_id": wp_id,
        "entry_type": entry_type,
        "entry_content": content,
        "feature_slug": slug,
    }
    return _record("HistoryAdded", wp_id, payload)


def dependency_resolved(slug: str, wp_id: str, dependency: str) -> dict:
    payload = {
        "wp_id": wp_id,
        "dependency_wp_id": dependency,
        "resolution_type": "completed",
        "feature_slug": slug,
    }
    return _record("DependencyResolved", wp_id, payload)


def feature_completed(slug: str, total: int) -> dict:
    return _record("FeatureCompleted", slug, {"feature_slug": slug, "total_wps": total})


def send(root: Path, records: list[dict]) -> int:
    """Queue `records` for sync; never fails the command. Returns how many were queued."""
    if not records:
        return 0
    from spec_kitty.project import NotAProject, load_identity
    from spec_kitty.queue.emit import emit

    try:
        identity = load_identity(root)
    except NotAProject as exc:
        warn(f"events not queued for sync ({exc}); the status log keeps them")
        return 0
    return len(emit(records, identity))
