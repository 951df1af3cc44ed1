"""Any bytes on stdin: the reader yields objects or stops with a line-numbered reason."""

import json

from hypothesis import given
from hypothesis import strategies as st
from spec_kitty.jsonl import MalformedLine, read_records

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@given(st.lists(st.binary(max_size=40), max_size=8))
def test_arbitrary_bytes_never_escape_as_other_errors(raw_lines):
    stream = [line.replace(b"\n", b"") + b"\n" for line in raw_lines]
    read = []
    try:
        for record in read_records(stream):
            assert isinstance(record, dict)
            read.append(record)
    except MalformedLine as exc:
        assert 1 <= exc.lineno <= len(stream)
        assert str(exc).startswith(f"line {exc.lineno}: ")


@given(st.lists(st.dictionaries(st.text(), json_values, max_size=4), max_size=6))
def test_objects_round_trip_in_order(objects):
    stream = [json.dumps(o, ensure_ascii=False).encode() + b"\n" for o in objects]
    assert list(read_records(stream)) == objects


@given(json_values.filter(lambda v: not isinstance(v, dict)))
def test_a_line_that_is_not_an_object_is_named(value):
    stream = [b"{}\n", json.dumps(value).encode() + b"\n"]
    try:
        list(read_records(stream))
    except MalformedLine as exc:
        assert exc.lineno == 2
        assert "expected a JSON object" in exc.reason
    else:
        raise AssertionError("a non-object line was accepted")


def test_pathologically_nested_json_is_a_malformed_line():
    try:
        list(read_records([b"{}\n", b"[" * 200_000 + b"]" * 200_000 + b"\n"]))
    except MalformedLine as exc:
        assert str(exc) == "line 2: JSON nested too deeply"
    else:
        raise AssertionError("a 200,000-deep line was accepted")


@given(
    digits=st.integers(min_value=4301, max_value=40_000),
    sign=st.sampled_from(["", "-"]),
    before=st.integers(min_value=0, max_value=3),
)
def test_a_number_too_long_to_read_is_a_malformed_line_not_a_crash(digits, sign, before):
    stream = [b"{}\n"] * before + [b'{"n": ' + sign.encode() + b"9" * digits + b"}\n"]
    try:
        list(read_records(stream))
    except MalformedLine as exc:
        assert exc.lineno == before + 1
        assert "a number of more than" in exc.reason
    else:
        raise AssertionError("a number of thousands of digits was read")
