import pytest
from spec_kitty.sync.categories import categorize
from spec_kitty.sync.transport import RetryPolicy


@pytest.mark.parametrize(
    ("code", "message", "category"),
    [
        ("unknown_lane", "whatever", "unknown_lane"),
        ("schema_mismatch", "to_lane is not allowed", "schema_mismatch"),
        ("no_project_access", None, "forbidden"),
        ("token_expired", None, "auth_expired"),
        ("internal_error", None, "server_error"),
        ("conflict", "project P already holds another event with event_id X", "conflict"),
        (None, "Conflict: event id already used with other content", "conflict"),
        (None, "to_lane 'claimed' is not one of planned, doing, for_review, done", "unknown_lane"),
        (None, "payload.wp_id is a required property", "schema_mismatch"),
        (None, "user demo may not write to project 42: permission denied", "forbidden"),
        (None, "access token expired", "auth_expired"),
        (None, "Internal server error while storing", "server_error"),
        (None, "the moon is in the wrong phase", "unknown"),
        ("a_code_nobody_knows", "lane 'x' unknown", "unknown_lane"),
        (None, None, "unknown"),
    ],
)
def test_a_structured_code_decides_else_the_message_does(code, message, category):
    assert categorize(code, message) == category


def test_backoff_doubles_and_stays_within_the_retry_count():
    policy = RetryPolicy(retries=3, base=1.0, max_wait=100)
    delays = [policy.next_delay(attempt, None) for attempt in range(4)]

    assert [0.5 <= d <= 1.0 for d in delays[:1]] == [True]
    assert 1.0 <= delays[1] <= 2.0 and 2.0 <= delays[2] <= 4.0
    assert delays[3] is None


def test_retry_after_is_honoured_but_total_waiting_is_bounded():
    policy = RetryPolicy(retries=5, base=0.1, max_wait=10)

    first = policy.next_delay(0, retry_after=4)
    second = policy.next_delay(1, retry_after=4)
    third = policy.next_delay(2, retry_after=4)

    assert 4 <= first <= 5 and 4 <= second <= 5
    assert third is None  # a third wait would pass the 10 s budget
