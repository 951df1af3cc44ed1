"""Whatever a batch holds, the answer has exactly one result per event, in the order sent."""

from hypothesis import given, settings
from hypothesis import strategies as st
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
