"""spec-kitty-events 2.3.1's own conformance fixtures, through our validator and reference server.

Every fixture of a type our contract shares with the library (see upstream_cases) must get the
library's verdict from validate-events (lanes collapsed, as sending does) and from the reference
server (sent the event as our client sends it), and every row of the library's lane table the
same sync lane from collapse-lanes. The disagreements we keep are named in KEPT with their
reasons; contracts/batch-ingest.md lists them too.
"""

from importlib.metadata import version

import pytest
from kitty_testing import DEMO_PASSWORD, DEMO_USER, post_batch, server_login
from spec_kitty.events import contract
from spec_kitty.events.collapse import collapse_event
from spec_kitty.events.lanes import UnknownLane
from spec_kitty.events.validate import queued_event_problems
from spec_kitty.server import ReferenceServer
from spec_kitty_events.conformance import validate_event
from upstream_cases import ENVELOPE, STATUS, event_cases, lane_cases

KEPT = {
    "event-missing-correlation-id": (
        "correlation_id stays optional: spec-kitty-cli 2.x's emitter sends none, nor does ours"
    ),
    "wp-status-changed-invalid-lane": (
        "in_review is a lane spec-kitty writes since 3.1.7; it is sent as for_review"
    ),
    "lane-mapping-all-canonical[claimed]": (
        "the seed's FR-013 sends claimed as doing; the library's V1 table as planned"
    ),
    "lane-mapping-all-canonical[canceled]": (
        "the seed's FR-013 sends canceled as done; the library's V1 table as planned"
    ),
    "lane-mapping-unknown-lanes[in_review]": (
        "in_review is a canonical lane here (spec-kitty 3.1.7+), sent as for_review"
    ),
}

EVENT_CASES = {case.id: case for case in event_cases()}
LANE_CASES = {case.id: case for case in lane_cases()}


def test_the_fixtures_come_from_the_pinned_library_as_installed():
    assert version("spec-kitty-events") == "2.3.1"
    assert sorted({case.event_type for case in EVENT_CASES.values()}) == [ENVELOPE, STATUS]
    assert (len(EVENT_CASES), len(LANE_CASES)) == (13, 10)
    assert set(KEPT) <= set(EVENT_CASES) | set(LANE_CASES)


@pytest.mark.parametrize("case_id", sorted(EVENT_CASES))
def test_the_adaptation_to_our_event_types_keeps_the_library_verdict(case_id):
    case = EVENT_CASES[case_id]
    if case.event_type == ENVELOPE:
        assert validate_event(case.event, ENVELOPE).valid == case.library_valid
    else:
        assert case.event["payload"] == case.fixture
        assert validate_event(case.event, ENVELOPE).valid


@pytest.mark.parametrize("case_id", sorted(EVENT_CASES))
def test_validate_events_gives_each_fixture_the_library_verdict(case_id):
    case = EVENT_CASES[case_id]
    problems = [p.message() for p in queued_event_problems(case.event)]
    ours = not problems
    if case_id in KEPT:
        assert ours != case.library_valid, f"no longer a disagreement: {KEPT[case_id]}"
    else:
        assert ours == case.library_valid, problems or "accepted"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    users = {DEMO_USER: {"password": DEMO_PASSWORD, "projects": ["*"]}}
    with ReferenceServer(tmp_path_factory.mktemp("upstream") / "server.db", users=users) as running:
        yield running


def post(server, events: list[dict]) -> list[dict]:
    response = post_batch(server, server_login(server)["access"], events)
    assert response.status_code == 200, response.text
    return response.json()["results"]


def test_the_reference_server_gives_each_fixture_the_library_verdict(server):
    sent, held = {}, set()
    for case in EVENT_CASES.values():
        try:
            sent[case.id] = collapse_event(case.event)
        except UnknownLane:
            held.add(case.id)  # our client never sends it
    results = dict(zip(sent, post(server, list(sent.values())), strict=True))
    wrong = []
    for case_id, case in EVENT_CASES.items():
        result = results.get(case_id, {"status": "held"})
        # Envelope fixtures share ids: a server answers duplicate (same content) or conflict
        # (other content under a stored id) only after the event passed the schema.
        accepted = result["status"] in ("success", "duplicate") or (
            result.get("error_code") == "conflict"
        )
        if (accepted == case.library_valid) == (case_id in KEPT):
            wrong.append((case_id, case.library_valid, result))
    assert wrong == []


@pytest.mark.parametrize("case_id", sorted(LANE_CASES))
def test_collapse_lanes_sends_each_lane_of_the_library_table_as_it_does(case_id):
    case = LANE_CASES[case_id]
    event = {"event_type": STATUS, "payload": {"wp_id": "WP01", "to_lane": case.canonical}}
    try:
        ours = collapse_event(event)["payload"]["to_lane"]
    except UnknownLane:
        ours = None
    if case_id in KEPT:
        assert ours != case.sync, f"no longer a disagreement: {KEPT[case_id]}"
    else:
        assert ours == case.sync


def test_the_contract_lists_every_kept_disagreement():
    text = (contract.schemas_dir().parent / "batch-ingest.md").read_text()
    missing = [case_id for case_id in KEPT if f"`{case_id}`" not in text]
    assert missing == []


def test_a_2x_client_posting_canonical_lanes_is_refused_per_event_naming_the_lane(server):
    """What a spec-kitty 2.x client sends (the library's own valid status change, planned ->
    claimed) is refused by a server under this contract; collapsed, as our client sends it, the
    same event is stored."""
    canonical = EVENT_CASES["wp-status-changed-valid"].event
    refused, stored = post(server, [canonical, collapse_event(canonical)])
    assert refused["status"] == "rejected"
    assert refused["error_code"] == "unknown_lane"
    assert refused["error"] == (
        "unknown lane 'claimed' in payload.to_lane: "
        "expected one of planned, doing, for_review, done"
    )
    # The same event id: a refused event is not stored, so its collapsed form is new (or already
    # stored by the verdict test above, which sent it collapsed).
    assert stored["status"] in ("success", "duplicate")
