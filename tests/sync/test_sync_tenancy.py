"""The owner's sync against a server where others got to the owner's event ids first."""

import json

import pytest
from factories import PROJECT_UUID, envelope
from kitty_testing import DEMO_PASSWORD, DEMO_USER, fill_queue, login, post_batch, server_login
from spec_kitty.queue.store import Queue
from spec_kitty.server import ReferenceServer
from sync_support import queued_ids

MALLORY_PROJECT = "0b7c2f6e-9d41-4e8a-8f3b-5a6c7d8e9f00"


@pytest.fixture
def shared_server(tmp_path):
    users = {
        DEMO_USER: {"password": DEMO_PASSWORD, "projects": [PROJECT_UUID]},
        "mallory": {"password": "mallory-pw", "projects": [MALLORY_PROJECT]},
        "teammate": {"password": "teammate-pw", "projects": [PROJECT_UUID]},
    }
    with ReferenceServer(tmp_path / "server.db", users=users) as server:
        yield server


def post_as(server, username: str, password: str, events: list[dict]) -> list[str]:
    answer = post_batch(server, server_login(server, username, password)["access"], events)
    return [result["status"] for result in answer.json()["results"]]


def test_ids_read_from_the_repository_and_posted_first_elsewhere_do_not_eat_the_sync(
    script, shared_server
):
    mine = [envelope(i, to_lane="for_review") for i in range(4)]
    copies = [{**event, "project_uuid": MALLORY_PROJECT} for event in mine]
    assert post_as(shared_server, "mallory", "mallory-pw", copies) == ["success"] * 4
    login(shared_server.url)
    fill_queue(mine)

    done = script("spec-kitty", "sync-now")

    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().splitlines()[0] == "Synced: 4, Duplicates: 0, Failed: 0"
    assert shared_server.stored_events(PROJECT_UUID) == mine
    assert queued_ids() == []


def test_a_conflict_is_set_aside_at_once_with_a_next_step_that_helps(
    script, shared_server, tmp_path
):
    mine = [envelope(0, to_lane="for_review"), envelope(1, to_lane="for_review")]
    altered = {**mine[1], "payload": {**mine[1]["payload"], "to_lane": "done"}}
    assert post_as(shared_server, "teammate", "teammate-pw", [altered]) == ["success"]
    login(shared_server.url)
    fill_queue(mine)
    report = tmp_path / "report.json"

    done = script("spec-kitty", "sync-now", "--report", str(report))

    lines = done.stdout.decode().splitlines()
    assert done.returncode == 1
    assert lines[0] == "Synced: 1, Duplicates: 0, Failed: 1 (reason: conflict: 1)"
    assert lines[1].startswith("  conflict: the server already holds other events under these")
    assert "`spec-kitty queue-requeue`" in lines[1]
    failure = json.loads(report.read_text())["failures"][0]
    assert failure["event_id"] == mine[1]["event_id"]
    assert (failure["category"], failure["error_code"]) == ("conflict", "conflict")
    assert failure["outcome"] == "dead_lettered"
    with Queue() as queue:
        assert [json.loads(data)["event_id"] for data in queue.export(("failed",))] == [
            mine[1]["event_id"]
        ]
    assert shared_server.stored_events(PROJECT_UUID) == [altered, mine[0]]
