"""A short flag means one thing in every `spec-kitty` command, and the README lists them all."""

import re
from collections import defaultdict
from pathlib import Path

from scripts_support import run_in_process
from spec_kitty.tasks import build_namespace
from spec_kitty.tasks.base import SHORT_FLAGS
from spec_kitty.tasks.program import CORE_SHORT_FLAGS, spec_kitty_program, task_context

README = Path(__file__).resolve().parents[2] / "README.md"


def flags_by_task() -> dict[str, list[tuple[str, ...]]]:
    namespace = build_namespace()
    return {
        name: [arg.names for arg in task_context(namespace, name).args.values()]
        for name in namespace.tasks
    }


def every_flag() -> list[tuple[str, ...]]:
    """The names of every flag: the program's own, then each task's."""
    program = [arg.names for arg in spec_kitty_program().initial_context.args.values()]
    return program + [names for arguments in flags_by_task().values() for names in arguments]


def test_each_short_flag_means_one_long_flag_across_every_command():
    meanings = defaultdict(set)
    for names in every_flag():
        for short in (name for name in names if len(name) == 1):
            meanings[short].add(names[0])
    assert {short: sorted(longs) for short, longs in meanings.items()} == {
        short: [flag] for flag, short in (SHORT_FLAGS | CORE_SHORT_FLAGS).items()
    }


def test_a_short_flag_is_the_initial_of_its_long_flag_and_the_program_keeps_two():
    for flag, short in SHORT_FLAGS.items():
        assert flag.startswith(short)
    assert CORE_SHORT_FLAGS == {"help": "h", "version": "V"}


def test_the_readme_lists_every_short_flag():
    rows = re.findall(r"^\| `-(\w)` \| `--([\w-]+)`", README.read_text(), re.MULTILINE)
    assert {flag: short for short, flag in rows} == SHORT_FLAGS | CORE_SHORT_FLAGS


def test_a_short_flag_that_once_meant_several_things_is_refused(capsys):
    # Neither a task's flag nor, by falling through, invoke's own -f (--config).
    for argv in (["board", "-f", "001"], ["setup-plan", "-f"], ["review", "WP01", "-f", "x"]):
        code, _out, err = run_in_process(capsys, *argv)
        assert code == 2, argv
        assert "the short flags are -j, -l, -q, -s, -u, -w" in err
