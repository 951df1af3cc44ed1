import json
import re
from datetime import datetime

import pytest
from factories import status_event
from spec_kitty.events.envelope import Event, InvalidEvent, check_envelope, new_event_id, utc_now


def test_event_round_trips_through_json_keeping_extra_fields():
    data = status_event(team_slug="kitties", x_custom={"a": 1})
    event = Event.from_json(json.dumps(data))
    assert event.team_slug == "kitties"
    assert json.loads(event.to_json()) == data


def test_optional_2x_fields_are_left_out_when_unset():
    data = status_event()
    assert "git_branch" not in Event.from_dict(data).to_dict()


def test_ids_are_ulids_carrying_their_creation_time():
    import time

    before = time.time_ns() // 1_000_000
    ids = [new_event_id() for _ in range(1000)]
    after = time.time_ns() // 1_000_000
    crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    for event_id in ids:
        millis = 0
        for char in event_id[:10]:
            millis = millis * 32 + crockford.index(char)
        assert before <= millis <= after
    assert len(set(ids)) == 1000


def test_ids_made_together_are_distinct_and_every_random_character_is_used():
    from collections import Counter

    from spec_kitty.events.envelope import new_event_ids

    ids = new_event_ids(20_000)
    assert len(set(ids)) == 20_000
    assert all(re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{26}", event_id) for event_id in ids)
    crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    for position in (10, 17, 25):  # the random part: every character about equally often
        counts = Counter(event_id[position] for event_id in ids)
        assert set(counts) == set(crockford)
        assert max(counts.values()) < 2 * min(counts.values())


def test_ids_are_ulids_and_timestamps_utc():
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{26}", new_event_id())
    assert datetime.fromisoformat(utc_now()).utcoffset().total_seconds() == 0


@pytest.mark.parametrize(
    "change, expected",
    [
        (
            {"event_id": None},
            "event_id None is not a ULID (26 characters of Crockford base32) or a UUID",
        ),
        ({"event_type": "WPExploded"}, "event_type 'WPExploded' is not one of"),
        ({"lamport_clock": "7"}, "lamport_clock '7' is not a non-negative integer"),
        ({"aggregate_type": "Robot"}, "aggregate_type 'Robot'"),
        ({"event_id": "01h0000000000000000000000u"}, "is not a ULID"),
        ({"event_id": "550e8400-e29b-41d4-a716-44665544000g"}, "is not a ULID"),
        ({"timestamp": "2026-01-01 10:00:00+00:00"}, "is not an ISO-8601 time with a UTC offset"),
        ({"project_uuid": "u"}, "project_uuid 'u' is not a UUID"),
        ({"aggregate_id": ["x"]}, "aggregate_id ['x'] is not a non-empty string"),
        ({"payload": []}, "payload is not a JSON object"),
        (
            {"payload": {"from_lane": "planned"}},
            "WPStatusChanged payload is missing wp_id, to_lane",
        ),
    ],
)
def test_envelope_errors_name_the_field(change, expected):
    with pytest.raises(InvalidEvent) as info:
        check_envelope({**status_event(), **change})
    assert expected in str(info.value)


@pytest.mark.parametrize(
    "event_id",
    [
        "01JD3Q8Z7K2M4N6P8R0T2V4W6Y",
        "01jd3q8z7k2m4n6p8r0t2v4w6y",
        "550e8400-e29b-41d4-a716-446655440000",
        "550E8400E29B41D4A716446655440000",
    ],
)
def test_an_event_id_may_be_a_ulid_or_a_uuid_as_spec_kitty_events_accepts(event_id):
    check_envelope({**status_event(), "event_id": event_id})


def test_missing_fields_are_named_together():
    event = status_event()
    del event["node_id"], event["payload"]
    with pytest.raises(InvalidEvent, match=r"missing required field\(s\): payload, node_id"):
        check_envelope(event)


def test_from_json_rejects_non_objects():
    with pytest.raises(InvalidEvent, match="expected a JSON object"):
        Event.from_json("[1, 2]")
