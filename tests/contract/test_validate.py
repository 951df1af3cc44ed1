"""Validation against the contract schemas: problems a person can act on, and validate-events."""

import json

import pytest
from factories import status_event
from hypothesis import given, settings
from hypothesis import strategies as st
from kitty_testing import json_lines
from spec_kitty.events import contract
from spec_kitty.events.validate import (
    Tally,
    document_validator,
    event_problems,
    queued_event_problems,
)


def test_every_contract_schema_is_valid_json_schema():
    from jsonschema import Draft202012Validator

    files = sorted(contract.schemas_dir().rglob("*.schema.json"))
    assert len(files) >= 15
    for path in files:
        Draft202012Validator.check_schema(json.loads(path.read_text()))


def test_the_envelope_schema_dispatches_every_event_type_to_its_payload_schema():
    envelope = contract.load_schema("envelope.schema.json")
    dispatched = {rule["if"]["properties"]["event_type"]["const"] for rule in envelope["allOf"]}
    assert dispatched == set(contract.event_types())
    for event_type in contract.event_types():
        assert contract.required_payload_fields(event_type)


def test_a_valid_sync_event_has_no_problems():
    assert event_problems(status_event(to_lane="doing")) == []


def test_each_problem_names_event_path_found_and_expected():
    event = status_event(to_lane="doing", lamport_clock=-1)
    event["payload"]["wp_id"] = "WP1"
    del event["payload"]["to_lane"]
    problems = {p.path: p for p in event_problems(event)}
    assert set(problems) == {"lamport_clock", "payload.to_lane", "payload.wp_id"}
    assert problems["lamport_clock"].found == -1
    assert problems["lamport_clock"].expected == "a number >= 0"
    assert problems["payload.to_lane"].message() == (
        "payload.to_lane: found nothing, expected a value (required field)"
    )
    assert {p.event_id for p in problems.values()} == {event["event_id"]}


def test_the_server_view_calls_a_canonical_lane_unknown_and_names_the_accepted_ones():
    (problem,) = event_problems(status_event(to_lane="in_progress"))
    assert problem.code == "unknown_lane"
    assert problem.message() == (
        "unknown lane 'in_progress' in payload.to_lane: "
        "expected one of planned, doing, for_review, done"
    )


def test_the_queued_view_collapses_lanes_first_and_reports_only_unknown_ones():
    assert queued_event_problems(status_event(from_lane="blocked", to_lane="in_progress")) == []
    (problem,) = queued_event_problems(status_event(from_lane="planned", to_lane="paused"))
    assert (problem.path, problem.found, problem.code) == (
        "payload.to_lane",
        "paused",
        "unknown_lane",
    )
    assert "claimed" in problem.expected


@pytest.mark.parametrize(
    "lanes", [("for_review", "approved"), ("in_review", "done"), ("genesis", "planned")]
)
def test_the_lanes_spec_kitty_writes_today_are_valid_once_collapsed(lanes, script):
    from_lane, to_lane = lanes
    event = status_event(from_lane=from_lane, to_lane=to_lane)
    assert queued_event_problems(event) == []
    assert event_problems(event) != []  # the server still takes only the 4 sync lanes
    done = script("validate-events", input=json.dumps(event) + "\n")
    assert done.returncode == 0 and done.stdout == b""


def synced_event(**payload) -> dict:
    """A status event in the sync lanes, its payload changed by `payload`."""
    event = status_event(to_lane="doing")
    event["payload"].update(payload)
    return event


@pytest.mark.parametrize("slug", ["my-feature", "001-login-page", "Checkout Flow", None])
def test_a_status_change_takes_any_feature_slug_or_null_as_spec_kitty_2x_sends(slug):
    assert event_problems(synced_event(feature_slug=slug)) == []


_WITH_SLUG = {
    "WPCreated": {"wp_id": "WP01", "title": "Parse"},
    "FeatureCreated": {"feature_number": "001", "target_branch": "main", "wp_count": 0},
    "FeatureCompleted": {"total_wps": 3},
    "FeatureArtifactCreated": {"artifact": "spec"},
}


@pytest.mark.parametrize("event_type", sorted(_WITH_SLUG))
def test_other_payloads_take_any_non_empty_feature_slug_but_not_null(event_type):
    def event(slug):
        payload = {**_WITH_SLUG[event_type], "feature_slug": slug}
        return {**status_event(), "event_type": event_type, "payload": payload}

    assert event_problems(event("my-feature")) == []
    assert [p.path for p in event_problems(event(None))] == ["payload.feature_slug"]
    (empty,) = event_problems(event(""))
    assert empty.message() == (
        "payload.feature_slug: found '', expected a string of at least 1 character(s)"
    )


def test_a_first_transition_may_leave_from_lane_out_or_null():
    absent = status_event(to_lane="planned")
    del absent["payload"]["from_lane"]
    assert event_problems(absent) == []
    assert queued_event_problems(absent) == []
    assert event_problems(synced_event(from_lane=None)) == []
    assert queued_event_problems(status_event(from_lane=None, to_lane="claimed")) == []
    (canonical,) = event_problems(synced_event(from_lane="claimed"))
    assert canonical.message() == (
        "unknown lane 'claimed' in payload.from_lane: "
        "expected one of planned, doing, for_review, done, null"
    )


_NO_REASON = object()


@pytest.mark.parametrize(
    "reason, expected",
    [
        (_NO_REASON, "a value (required when force is true)"),
        ("  ", "a string that is not blank (when force is true)"),
        (None, "a value of type string (when force is true)"),
    ],
)
def test_a_forced_move_needs_a_reason(reason, expected):
    event = synced_event(force=True)
    if reason is not _NO_REASON:
        event["payload"]["reason"] = reason
    for problems in (event_problems(event), queued_event_problems(event)):
        (problem,) = problems
        assert (problem.path, problem.expected, problem.code) == (
            "payload.reason",
            expected,
            "schema_mismatch",
        )


def test_a_forced_move_with_a_reason_and_an_unforced_one_without_are_valid():
    assert event_problems(synced_event(force=True, reason="reviewed on paper")) == []
    assert event_problems(synced_event(force=False)) == []
    assert event_problems(synced_event(force=False, reason=None)) == []


def test_the_other_fields_of_spec_kitty_events_are_optional_but_checked_when_sent():
    sent = synced_event(execution_mode="worktree", review_ref="PR-42", evidence=None)
    assert event_problems(sent) == []
    wrong = synced_event(execution_mode="cloud", force="yes", evidence=[], review_ref=42)
    assert [p.path for p in event_problems(wrong)] == [
        "payload.evidence",
        "payload.execution_mode",
        "payload.force",
        "payload.review_ref",
    ]


@pytest.mark.parametrize(
    "event_id",
    ["550e8400-e29b-41d4-a716-446655440000", "550e8400e29b41d4a716446655440000"],
)
def test_a_uuid_event_id_passes_as_spec_kitty_events_2_2_accepts(event_id):
    assert event_problems(status_event(to_lane="doing", event_id=event_id)) == []


@pytest.mark.parametrize("event_id", ["evt-1", "550e8400-e29b-41d4-a716", "I" * 26, "0" * 31])
def test_an_event_id_that_is_neither_ulid_nor_uuid_is_refused(event_id):
    (problem,) = event_problems(status_event(to_lane="doing", event_id=event_id))
    assert (problem.path, problem.found) == ("event_id", event_id)


def test_a_list_item_is_named_by_index():
    event = {
        **status_event(),
        "event_type": "WPCreated",
        "payload": {
            "wp_id": "WP02",
            "title": "t",
            "feature_slug": "001-x",
            "dependencies": ["WP1"],
        },
    }
    (problem,) = event_problems(event)
    assert problem.path == "payload.dependencies[0]"


def test_the_tally_groups_problems_by_code_and_path():
    tally = Tally()
    for event in [status_event(to_lane="nope"), status_event(to_lane="nope"), {"event_id": "x"}]:
        tally.add(queued_event_problems(event))
    assert (tally.checked, tally.invalid) == (3, 3)
    counts = tally.most_common()
    assert counts["unknown_lane at payload.to_lane"] == 2
    assert counts["schema_mismatch at event_type"] == 1


def test_validate_events_reports_each_problem_and_counts(script):
    good = status_event()
    bad = status_event(to_lane="nope")
    broken = status_event()
    broken["payload"]["wp_id"] = 7
    stream = "\n".join(json.dumps(e) for e in (good, bad, broken)) + "\n"
    result = script("validate-events", input=stream)
    assert result.returncode == 1
    problems = json_lines(result.stdout)
    assert [(p["event_id"], p["path"], p["code"]) for p in problems] == [
        (bad["event_id"], "payload.to_lane", "unknown_lane"),
        (broken["event_id"], "payload.wp_id", "schema_mismatch"),
    ]
    assert problems[1]["found"] == 7 and problems[1]["expected"] == "a value of type string"
    assert result.stderr.decode().splitlines() == [
        "validate-events: 3 event(s) checked, 2 invalid",
        "       1  unknown_lane at payload.to_lane",
        "       1  schema_mismatch at payload.wp_id",
    ]


def test_validate_events_passes_a_clean_stream(script):
    result = script("validate-events", input=json.dumps(status_event()) + "\n")
    assert (result.returncode, result.stdout) == (0, b"")


values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.floats(allow_nan=False)
    | st.text(max_size=5)
    | st.sampled_from(["WP01", "planned", "doing", "in_progress", "001-x", "2026-01-01T00:00:00Z"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(
    event_type=st.sampled_from(contract.event_types()),
    field=st.sampled_from(
        [
            "wp_id",
            "from_lane",
            "to_lane",
            "title",
            "feature_slug",
            "dependencies",
            "phase",
            "wp_count",
            "total_wps",
            "entry_type",
            "error_type",
            "resolution_type",
            "artifact",
            "force",
            "reason",
            "execution_mode",
            "evidence",
        ]
    ),
    value=values,
)
def test_the_fast_check_never_accepts_what_json_schema_rejects(event_type, field, value):
    from jsonschema import Draft202012Validator
    from spec_kitty.events.fastcheck import compile_check

    schema = contract.load_schema(f"payloads/{event_type}.schema.json")
    payload = {name: "WP01" for name in schema["required"]} | {field: value}
    if compile_check(schema)(payload):
        assert Draft202012Validator(schema).is_valid(payload)


def test_every_event_schema_has_a_fast_check_so_the_server_keeps_its_speed():
    from spec_kitty.events.fastcheck import compile_check

    envelope = contract.load_schema("envelope.schema.json")
    compile_check({k: v for k, v in envelope.items() if k != "allOf"})
    for event_type in contract.event_types():
        compile_check(contract.load_schema(f"payloads/{event_type}.schema.json"))


def test_the_fast_check_follows_if_then_and_const_as_json_schema_does():
    from jsonschema import Draft202012Validator
    from spec_kitty.events.fastcheck import compile_check

    schema = {
        "if": {"properties": {"force": {"const": True}}, "required": ["force"]},
        "then": {"required": ["reason"]},
        "else": {"properties": {"reason": {"type": "null"}}},
    }
    check, full = compile_check(schema), Draft202012Validator(schema)
    instances = [
        {"force": True},
        {"force": True, "reason": "x"},
        {"force": 1},
        {"force": "true", "reason": "x"},
        {"reason": None},
        {},
        "not an object",
    ]
    for instance in instances:
        assert check(instance) == full.is_valid(instance), instance


@pytest.mark.parametrize("name", ["batch-response.schema.json", "error-response.schema.json"])
def test_response_schemas_load_with_references_resolved(name):
    assert document_validator(name).is_valid({"results": [], "error": "x"})


@settings(max_examples=300, deadline=None)
@given(
    field=st.sampled_from(
        [
            "event_id",
            "event_type",
            "aggregate_type",
            "timestamp",
            "lamport_clock",
            "project_uuid",
            "payload",
            "data_tier",
            "schema_version",
            "team_slug",
            "node_id",
        ]
    ),
    value=values,
)
def test_the_fast_check_of_the_envelope_is_never_more_lenient(field, value):
    from jsonschema import Draft202012Validator
    from spec_kitty.events.fastcheck import compile_check

    envelope = contract.load_schema("envelope.schema.json")
    schema = {k: v for k, v in envelope.items() if k != "allOf"}
    event = {**status_event(to_lane="doing"), field: value}
    if compile_check(schema)(event):
        assert Draft202012Validator(schema).is_valid(event)
