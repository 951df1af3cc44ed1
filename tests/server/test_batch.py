"""The batch endpoint: one result per event, dedupe, validation, authorization, refusals."""

import gzip
import json

import pytest
import requests
from kitty_testing import DEMO_PASSWORD, DEMO_USER
from server_helpers import OTHER_PROJECT, PROJECT_UUID, bearer, login, post_batch, synced
from spec_kitty.server import ReferenceServer


@pytest.fixture
def token(reference_server):
    return login(reference_server)["access"]


def statuses(response) -> list[str]:
    return [result["status"] for result in response.json()["results"]]


@pytest.mark.parametrize("encoding", ["gzip", "identity", None])
def test_events_are_stored_and_answered_success_in_order(reference_server, token, encoding):
    events = [synced(), synced(), synced()]
    response = post_batch(reference_server, token, events, encoding=encoding)
    assert response.status_code == 200
    body = response.json()
    assert [r["event_id"] for r in body["results"]] == [e["event_id"] for e in events]
    assert statuses(response) == ["success"] * 3
    assert body["summary"] == {"total": 3, "success": 3, "duplicate": 0, "rejected": 0}
    assert reference_server.stored_events() == events


def test_a_resent_event_is_duplicate_also_after_a_restart(tmp_path):
    users = {DEMO_USER: {"password": DEMO_PASSWORD}}
    event = synced()
    with ReferenceServer(tmp_path / "s.db", users=users) as server:
        token = login(server)["access"]
        assert statuses(post_batch(server, token, [event])) == ["success"]
        assert statuses(post_batch(server, token, [event])) == ["duplicate"]
    with ReferenceServer(tmp_path / "s.db", users=users) as server:
        token = login(server)["access"]
        assert statuses(post_batch(server, token, [event, synced()])) == ["duplicate", "success"]
        assert len(server.stored_events()) == 2


def test_the_same_event_twice_in_one_batch_is_stored_once(reference_server, token):
    event = synced()
    response = post_batch(reference_server, token, [event, event])
    assert statuses(response) == ["success", "duplicate"]
    assert len(reference_server.stored_events()) == 1


@pytest.mark.parametrize(
    "lane", ["in_progress", "claimed", "blocked", "canceled", "approved", "in_review", "genesis"]
)
def test_a_lane_outside_the_four_sync_lanes_rejects_that_event_only(reference_server, token, lane):
    bad = synced()
    bad["payload"]["to_lane"] = lane
    response = post_batch(reference_server, token, [bad, synced()])
    assert response.status_code == 200
    rejected, stored = response.json()["results"]
    assert stored["status"] == "success"
    assert rejected["status"] == "rejected"
    assert rejected["error_code"] == "unknown_lane"
    assert repr(lane) in rejected["error"]
    assert "planned, doing, for_review, done" in rejected["error"]
    assert [e["event_id"] for e in reference_server.stored_events()] == [stored["event_id"]]


def test_a_schema_failure_names_each_field_path(reference_server, token):
    bad = synced()
    bad["payload"]["wp_id"] = "WP1"
    del bad["lamport_clock"]
    result = post_batch(reference_server, token, [bad]).json()["results"][0]
    assert result["error_code"] == "schema_mismatch"
    assert "payload.wp_id: found 'WP1', expected a string matching ^WP[0-9]{2}$" in result["error"]
    assert "lamport_clock: found nothing" in result["error"]
    assert {d["path"] for d in result["details"]} == {"lamport_clock", "payload.wp_id"}


def test_optional_2x_envelope_fields_and_extra_payload_fields_are_accepted(reference_server, token):
    event = synced(team_slug="t", git_branch="main", head_commit_sha="abc", repo_slug="o/r")
    event["payload"]["reviewer_notes"] = "an extra field"
    assert statuses(post_batch(reference_server, token, [event])) == ["success"]


def test_an_event_for_a_project_the_user_may_not_write_is_rejected_forbidden(tmp_path):
    users = {"ann": {"password": "pw", "projects": [PROJECT_UUID]}}
    with ReferenceServer(tmp_path / "s.db", users=users) as server:
        token = login(server, "ann", "pw")["access"]
        theirs = synced(project_uuid=OTHER_PROJECT)
        response = post_batch(server, token, [theirs, synced()])
        rejected = response.json()["results"][0]
        assert statuses(response) == ["rejected", "success"]
        assert rejected["error_code"] == "forbidden"
        assert OTHER_PROJECT in rejected["error"]
        assert len(server.stored_events()) == 1


def test_a_user_without_any_project_is_refused_whole_with_403(tmp_path):
    with ReferenceServer(tmp_path / "s.db", users={"ann": {"password": "pw", "projects": []}}) as s:
        response = post_batch(s, login(s, "ann", "pw")["access"], [synced()])
        assert response.status_code == 403
        assert response.json()["code"] == "no_project_access"
        assert s.stored_events() == []


def test_an_empty_batch_is_400_no_events_provided(reference_server, token):
    response = post_batch(reference_server, token, [])
    assert response.status_code == 400
    assert response.json() == {"error": "No events provided"}


def test_malformed_items_refuse_the_whole_batch_with_details_by_index(reference_server, token):
    response = post_batch(reference_server, token, [synced(), 7, {"event_type": "x"}, None])
    assert response.status_code == 400
    details = response.json()["details"]
    assert [(d["index"], d["event_id"]) for d in details] == [(1, None), (2, None), (3, None)]
    assert "got int" in details[0]["error"] and "got null" in details[2]["error"]
    assert reference_server.stored_events() == []


@pytest.mark.parametrize(
    ("body", "encoding", "error"),
    [
        (b"plain text", "gzip", "Request body is not valid gzip data"),
        (gzip.compress(b'{"events": [')[:-6], "gzip", "Request body is not valid gzip data"),
        (b"{not json", "identity", "Request body is not valid JSON"),
        (b'["a list"]', "identity", "Request body must be a JSON object with an events list"),
        (b'{"events": {"a": 1}}', "identity", "events must be a list"),
        (b'{"events": []}', "br", "Unsupported Content-Encoding 'br'"),
    ],
    ids=["not-gzip", "truncated-gzip", "not-json", "not-an-object", "events-not-list", "brotli"],
)
def test_unreadable_bodies_are_400_with_error_and_details(
    reference_server, token, body, encoding, error
):
    response = post_batch(reference_server, token, body=body, encoding=encoding)
    assert response.status_code == 400
    assert response.json()["error"] == error
    assert response.json()["details"]


def test_bodies_over_the_limit_are_413_sent_or_uncompressed(tmp_path):
    users = {DEMO_USER: {"password": DEMO_PASSWORD}}
    with ReferenceServer(tmp_path / "s.db", users=users, max_body_bytes=20_000) as server:
        token = login(server)["access"]
        many = [synced() for _ in range(60)]
        assert len(json.dumps({"events": many})) > 20_000
        for encoding in ("identity", "gzip"):
            response = post_batch(server, token, many, encoding=encoding)
            assert response.status_code == 413, encoding
            assert "20000 bytes" in response.json()["error"]
        assert post_batch(server, token, many[:10]).status_code == 200


def test_more_batches_than_the_rate_limit_get_429_with_retry_after(tmp_path):
    users = {DEMO_USER: {"password": DEMO_PASSWORD}}
    with ReferenceServer(tmp_path / "s.db", users=users, rate_limit=2) as server:
        token = login(server)["access"]
        codes = [post_batch(server, token, [synced()]).status_code for _ in range(2)]
        limited = post_batch(server, token, [synced()])
        assert codes == [200, 200]
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["Retry-After"]) <= 60
        assert limited.json()["code"] == "rate_limited"


def test_stored_events_are_listed_for_the_users_projects_only(tmp_path):
    users = {
        DEMO_USER: {"password": DEMO_PASSWORD},
        "ann": {"password": "pw", "projects": [OTHER_PROJECT]},
    }
    with ReferenceServer(tmp_path / "s.db", users=users) as server:
        mine, theirs = synced(), synced(project_uuid=OTHER_PROJECT)
        post_batch(server, login(server)["access"], [mine, theirs])
        url = f"{server.url}/api/v1/events/"
        listed = requests.get(url, headers=bearer(login(server, "ann", "pw")["access"]), timeout=5)
        assert [row["event"] for row in listed.json()["events"]] == [theirs]
        page = requests.get(
            url, params={"limit": 1}, headers=bearer(login(server)["access"]), timeout=5
        ).json()
        assert [row["event"] for row in page["events"]] == [mine]
        rest = requests.get(
            url,
            params={"after": page["next_after"]},
            headers=bearer(login(server)["access"]),
            timeout=5,
        ).json()
        assert [row["event"] for row in rest["events"]] == [theirs]


def test_unknown_paths_and_methods_answer_json(reference_server):
    missing = requests.get(f"{reference_server.url}/api/v1/nothing/", timeout=5)
    wrong = requests.get(f"{reference_server.url}/api/v1/events/batch/", timeout=5)
    assert (missing.status_code, wrong.status_code) == (404, 405)
    assert missing.json()["error"] and wrong.json()["error"]


def test_concurrent_resends_store_each_event_exactly_once(reference_server, token):
    from concurrent.futures import ThreadPoolExecutor

    events = [synced() for _ in range(50)]
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: post_batch(reference_server, token, events), range(4)))
    per_event = [statuses(answer) for answer in answers]
    for position in range(50):
        column = sorted(answer[position] for answer in per_event)
        assert column == ["duplicate", "duplicate", "duplicate", "success"]
    assert len(reference_server.stored_events()) == 50


def test_a_batch_as_spec_kitty_2x_sends_it_gets_one_result_per_event(reference_server, token):
    # 2.x sends 1,000 events a request, canonical lanes included, and an X-Team-Slug header.
    events = [synced() for _ in range(990)]
    canonical = [synced() for _ in range(10)]
    for event in canonical:
        event["payload"]["to_lane"] = "in_progress"
    batch = events[:500] + canonical + events[500:]
    response = post_batch(reference_server, token, batch, headers={"X-Team-Slug": "cats"})
    results = response.json()["results"]
    assert [r["event_id"] for r in results] == [e["event_id"] for e in batch]
    assert response.json()["summary"] == {
        "total": 1000,
        "success": 990,
        "duplicate": 0,
        "rejected": 10,
    }
    assert {r["error_code"] for r in results[500:510]} == {"unknown_lane"}
