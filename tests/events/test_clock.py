import json

import pytest
from kitty_testing import run_at_once
from spec_kitty.events import clock


def test_ticks_strictly_increase_and_survive_restarts(spec_kitty_home):
    node, first = clock.tick(3)
    again, second = clock.tick()
    assert list(first) == [1, 2, 3]
    assert list(second) == [4]
    assert node == again == clock.node_id()
    saved = json.loads((spec_kitty_home / clock.CLOCK_FILE).read_text())
    assert saved == {"node_id": node, "lamport_clock": 4}


def test_concurrent_processes_never_share_a_clock_value(spec_kitty_home):
    code = (
        "from spec_kitty.events import clock\nfor _ in range(100):\n    print(clock.tick()[1][0])\n"
    )
    values = [int(v) for output in run_at_once(code, 8) for v in output.split()]
    assert sorted(values) == list(range(1, 801))


def test_a_damaged_clock_file_is_refused_not_reset(spec_kitty_home):
    clock.tick()
    (spec_kitty_home / clock.CLOCK_FILE).write_text("{half")
    with pytest.raises(clock.ClockError, match="event-clock.json is damaged"):
        clock.tick()


def test_a_clock_file_that_is_not_text_is_refused(spec_kitty_home):
    clock.tick()
    (spec_kitty_home / clock.CLOCK_FILE).write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(clock.ClockError, match="is damaged"):
        clock.tick()


def test_reservations_hand_out_increasing_values_from_few_ticks(spec_kitty_home):
    reservations = clock.Reservations()
    taken = [reservations.take(n) for n in (1, 3, 2000, 2000, 5000, 1)]
    values = [value for _node, values in taken for value in values]
    assert [len(values) for _node, values in taken] == [1, 3, 2000, 2000, 5000, 1]
    assert values == sorted(set(values))
    assert {node for node, _values in taken} == {clock.node_id()}
    # Reserved in ranges doubling from the first ask: 1, 3, 2000, 4000, 8000.
    assert clock.tick()[1][0] == 1 + 3 + 2000 + 4000 + 8000 + 1


def test_concurrent_reservations_never_share_a_clock_value(spec_kitty_home):
    code = (
        "import sys\nfrom spec_kitty.events import clock\nr = clock.Reservations(largest=64)\n"
        "for n in range(1, 40):\n    print(*r.take(n % 7 + 1)[1])\n"
    )
    per_process = [[int(v) for v in output.split()] for output in run_at_once(code, 8)]
    for values in per_process:
        assert values == sorted(values) and len(values) == len(set(values))
    every = [v for values in per_process for v in values]
    assert len(every) == len(set(every))
