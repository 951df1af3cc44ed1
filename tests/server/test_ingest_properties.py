"""Whatever a batch holds, the answer has exactly one result per event, in the order sent; and
whatever a request body holds (deep nesting, huge numbers, surrogates, broken gzip), the answer is
JSON below 500."""

import gzip
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kitty_testing import DEMO_PASSWORD, DEMO_USER
from server_helpers import OTHER_PROJECT, PROJECT_UUID, synced
from spec_kitty.server.ingest import ingest
from spec_kitty.server.store import EventStore
from spec_kitty.server.users import User

POOL = [synced() for _ in range(6)]


def _variant(kind: str, base: dict) -> dict:
    event = {**base, "payload": dict(base["payload"])}
    if kind == "canonical lane":
        event["payload"]["to_lane"] = "in_progress"
    elif kind == "bad wp":
        event["payload"]["wp_id"] = "W1"
    elif kind == "other project":
        event["project_uuid"] = OTHER_PROJECT
    elif kind == "no payload":
        del event["payload"]
    return event


batches = st.lists(
    st.tuples(
        st.sampled_from(["valid", "canonical lane", "bad wp", "other project", "no payload"]),
        st.sampled_from(POOL),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(first=batches, second=batches)
def test_one_result_per_event_in_order_and_each_valid_id_stored_once(
    tmp_path_factory, first, second
):
    store = EventStore(tmp_path_factory.mktemp("ingest") / "s.db")
    user = User("ann", "pw", (PROJECT_UUID,))
    stored_ids: set[str] = set()
    try:
        for batch in (first, second):
            events = [_variant(kind, base) for kind, base in batch]
            results = ingest(events, user, store)["results"]
            assert [r["event_id"] for r in results] == [e["event_id"] for e in events]
            for (kind, base), result in zip(batch, results, strict=True):
                if kind != "valid":
                    assert result["status"] == "rejected"
                elif base["event_id"] in stored_ids:
                    assert result["status"] == "duplicate"
                else:
                    assert result["status"] == "success"
                    stored_ids.add(base["event_id"])
        assert {row["event"]["event_id"] for row in store.stored_events()} == stored_ids
        assert store.count() == len(stored_ids)
    finally:
        store.close()


# -- whatever the body, a JSON answer below 500 ------------------------------------------------

BATCH_PATH, LOGIN_PATH = "/api/v1/events/batch/", "/api/v1/token/"


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    """The reference server's WSGI application, called in process, and an access token."""
    from spec_kitty.server import ReferenceServer
    from werkzeug.test import Client

    server = ReferenceServer(
        tmp_path_factory.mktemp("hostile") / "s.db",
        users={DEMO_USER: {"password": DEMO_PASSWORD}},
        max_body_bytes=200_000,
        max_events=50,
    )
    yield Client(server.app), server.issue_token(DEMO_USER, lifetime=3600)
    server.store.close()


def _nested(depth: int, inner: str) -> str:
    return "[" * depth + inner + "]" * depth


hostile_values = st.one_of(
    st.integers(1, 3000).map(lambda depth: _nested(depth, "1")),
    st.integers(1, 6000).map(lambda digits: "9" * digits),
    st.integers(1, 400).map(lambda digits: "0." + "1" * digits + "e" + str(digits)),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "-0", "1E+2"]),
    st.sampled_from(['"\\ud800"', '"\\udfff tail"', '"\\ud83d\\udc31"', '"\\u0000"', '"\\x"']),
    st.integers(1, 2000).map(lambda n: "{" * n + '"a":1' + "}" * n),
)


@st.composite
def hostile_batches(draw) -> bytes:
    text = json.dumps(POOL[0])[:-1] + f', "extra": {draw(hostile_values)}}}'
    events = [text] * draw(st.integers(1, 3))
    body = ('{"events": [' + ",".join(events) + "]}").encode()
    shape = draw(st.sampled_from(["json", "gzip", "two-members", "trailing", "bytes", "cut"]))
    if shape == "gzip":
        body = gzip.compress(body)
    elif shape == "two-members":
        body = gzip.compress(body) + gzip.compress(body)
    elif shape == "trailing":
        body = gzip.compress(body) + draw(st.binary(min_size=1, max_size=20))
    elif shape == "bytes":
        body = draw(st.binary(max_size=300))
    elif shape == "cut":
        body = body[: draw(st.integers(0, len(body)))]
    return body


def _answer(response) -> dict:
    assert response.status_code < 500, response.get_data()[:300]
    assert response.mimetype == "application/json"
    body = json.loads(response.get_data())
    assert isinstance(body, dict)
    if response.status_code != 200:
        assert isinstance(body["error"], str) and body["error"]
    return body


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=hostile_batches(), gzip_header=st.booleans())
def test_any_batch_body_gets_a_json_answer_below_500(hostile_app, body, gzip_header):
    client, token = hostile_app
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if gzip_header:
        headers["Content-Encoding"] = "gzip"
    answer = _answer(client.post(BATCH_PATH, data=body, headers=headers))
    if "results" in answer:
        assert answer["summary"]["total"] == len(answer["results"])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=hostile_values, field=st.sampled_from(["username", "password", "extra"]))
def test_any_login_body_gets_a_json_answer_below_500(hostile_app, value, field):
    client, _ = hostile_app
    fields = {"username": '"demo"', "password": '"wrong"', field: value}
    body = "{" + ",".join(f'"{k}": {v}' for k, v in fields.items()) + "}"
    answer = _answer(client.post(LOGIN_PATH, data=body, headers={"Content-Type": "text/plain"}))
    assert "access" not in answer
