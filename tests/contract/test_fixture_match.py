"""How contract-check compares an answer with a fixture's expectation."""

from spec_kitty.contract.fixture_match import differences


def test_expected_keys_must_match_and_extra_keys_are_allowed():
    assert differences({"a": 1}, {"a": 1, "b": 2}) == []
    assert differences({"a": 1}, {"a": 2}) == [{"path": "body.a", "expected": 1, "found": 2}]
    assert differences({"a": 1}, {}) == [{"path": "body.a", "expected": 1, "missing": True}]


def test_lists_match_item_by_item_and_by_length():
    assert differences([{"s": "x"}], [{"s": "y"}]) == [
        {"path": "body[0].s", "expected": "x", "found": "y"}
    ]
    assert differences([1], [1, 2])[0]["found"] == [1, 2]


def test_json_types_are_not_confused():
    assert differences(1, True) and differences(0, False) and differences(1, 1.0)


def test_matchers():
    assert differences({"$type": "string"}, "x") == []
    assert differences({"$type": "integer"}, True)
    assert differences({"$one_of": ["a", "b"]}, "b") == []
    assert differences({"$contains": ["lane", "done"]}, "unknown lane: done") == []
    assert differences({"$contains": "gone"}, "here")
    assert differences({"k": {"$absent": True}}, {}) == []
    assert differences({"k": {"$absent": True}}, {"k": 1}) == [
        {"path": "body.k", "expected": "no such key", "found": 1}
    ]
