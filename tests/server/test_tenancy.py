"""Projects are kept apart: an event is known by its project and its event_id together, so ids
posted under another project neither swallow the owner's events nor tell anyone they exist."""

import json
import sqlite3

import pytest
from server_helpers import OTHER_PROJECT, PROJECT_UUID, login, post_batch, synced
from spec_kitty.server import ReferenceServer

USERS = {
    "owner": {"password": "owner-pw", "projects": [PROJECT_UUID]},
    "mallory": {"password": "mallory-pw", "projects": [OTHER_PROJECT]},
}


@pytest.fixture
def server(tmp_path):
    with ReferenceServer(tmp_path / "s.db", users=USERS) as server:
        yield server


def results(response) -> list[dict]:
    assert response.status_code == 200, response.text
    return response.json()["results"]


def test_ids_posted_first_under_another_project_do_not_swallow_the_owners_events(server):
    # The owner's status events sit in git, ids and all, before they are synced.
    owners = [synced() for _ in range(3)]
    copies = [{**event, "project_uuid": OTHER_PROJECT} for event in owners]
    mallory = login(server, "mallory", "mallory-pw")["access"]
    assert [r["status"] for r in results(post_batch(server, mallory, copies))] == ["success"] * 3

    owner = login(server, "owner", "owner-pw")["access"]
    answered = results(post_batch(server, owner, owners))

    assert [r["status"] for r in answered] == ["success"] * 3
    assert server.stored_events(PROJECT_UUID) == owners


def without_id(result: dict) -> dict:
    return {
        k: v.replace(result["event_id"], "ID") if isinstance(v, str) else v
        for k, v in result.items()
        if k != "event_id"
    }


def test_probing_the_owners_project_answers_the_same_whether_the_id_exists_or_not(server):
    owner = login(server, "owner", "owner-pw")["access"]
    mallory = login(server, "mallory", "mallory-pw")["access"]
    stored = synced()
    assert results(post_batch(server, owner, [stored]))[0]["status"] == "success"

    probes = [stored, synced()]  # the owner's stored id, and one nobody sent
    answers = [results(post_batch(server, mallory, [probe]))[0] for probe in probes]

    assert [a["error_code"] for a in answers] == ["forbidden", "forbidden"]
    assert without_id(answers[0]) == without_id(answers[1])


def test_mallory_learns_nothing_about_the_owners_ids_from_her_own_project(server):
    owner = login(server, "owner", "owner-pw")["access"]
    mallory = login(server, "mallory", "mallory-pw")["access"]
    secret = synced()
    assert results(post_batch(server, owner, [secret]))[0]["status"] == "success"
    never_sent = synced()

    probes = [{**event, "project_uuid": OTHER_PROJECT} for event in (secret, never_sent)]
    answers = [results(post_batch(server, mallory, [probe]))[0] for probe in probes]

    assert [a["status"] for a in answers] == ["success", "success"]
    assert answers[0].keys() == answers[1].keys()


def test_the_same_id_and_content_in_the_same_project_is_duplicate(server):
    owner = login(server, "owner", "owner-pw")["access"]
    event = synced()
    reordered = json.loads(json.dumps(event, sort_keys=True))
    assert results(post_batch(server, owner, [event]))[0]["status"] == "success"

    again = results(post_batch(server, owner, [reordered, event]))

    assert [r["status"] for r in again] == ["duplicate", "duplicate"]


def test_the_same_id_with_other_content_in_the_same_project_is_a_conflict(server):
    owner = login(server, "owner", "owner-pw")["access"]
    original = synced()
    altered = {**original, "payload": {**original["payload"], "to_lane": "done"}}
    assert results(post_batch(server, owner, [original]))[0]["status"] == "success"

    conflict = results(post_batch(server, owner, [altered]))[0]

    assert conflict["status"] == "rejected"
    assert conflict["error_code"] == "conflict"
    assert original["event_id"] in conflict["error"] and PROJECT_UUID in conflict["error"]
    assert server.stored_events(PROJECT_UUID)[0] == original  # the first one stays as it was
    assert results(post_batch(server, owner, [original]))[0]["status"] == "duplicate"


def test_a_conflict_inside_one_batch_keeps_the_first_and_refuses_the_second(server):
    owner = login(server, "owner", "owner-pw")["access"]
    first = synced()
    second = {**first, "lamport_clock": first["lamport_clock"] + 1000}

    answered = results(post_batch(server, owner, [first, second, first]))

    assert [r["status"] for r in answered] == ["success", "rejected", "duplicate"]
    assert answered[1]["error_code"] == "conflict"
    assert answered[1].keys() == {"event_id", "status", "error", "error_code"}
    assert server.stored_events() == [first]


def test_a_database_of_the_earlier_release_is_brought_to_project_scoped_ids(tmp_path):
    path = tmp_path / "old.db"
    old = sqlite3.connect(path)
    old.executescript(
        """
        CREATE TABLE events (seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE,
            event_type TEXT NOT NULL, project_uuid TEXT NOT NULL, username TEXT NOT NULL,
            received_at TEXT NOT NULL, data TEXT NOT NULL);
        CREATE INDEX events_by_project ON events (project_uuid, seq);
        """
    )
    stored = synced()
    old.execute(
        "INSERT INTO events (event_id, event_type, project_uuid, username, received_at, data)"
        " VALUES (?, ?, ?, 'owner', '2026-01-01T00:00:00+00:00', ?)",
        (stored["event_id"], stored["event_type"], stored["project_uuid"], json.dumps(stored)),
    )
    old.commit()
    old.close()
    path.chmod(0o600)

    with ReferenceServer(path, users=USERS) as server:
        owner = login(server, "owner", "owner-pw")["access"]
        mallory = login(server, "mallory", "mallory-pw")["access"]
        altered = {**stored, "lamport_clock": 9999}
        assert results(post_batch(server, owner, [stored]))[0]["status"] == "duplicate"
        assert results(post_batch(server, owner, [altered]))[0]["error_code"] == "conflict"
        copy = {**stored, "project_uuid": OTHER_PROJECT}
        assert results(post_batch(server, mallory, [copy]))[0]["status"] == "success"
        assert [row["event"] for row in server.store.stored_events([PROJECT_UUID])] == [stored]
