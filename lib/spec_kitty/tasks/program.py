"""`spec-kitty`: an invoke Program over the package's task namespace, usable from any directory."""

import sys
from contextlib import contextmanager

from invoke import Exit, ParseError, Program

from spec_kitty import __version__
from spec_kitty.jsonl import silence_stdout
from spec_kitty.tasks import build_namespace


class KittyProgram(Program):
    def parse_core(self, argv):
        with _usage_errors(self.argv if argv is None else argv):
            super().parse_core(argv)
        # invoke stops bytecode caching so a project's tasks.py leaves no .pyc behind; spec-kitty
        # loads no tasks.py, and recompiling its own modules on every run costs ~20 ms.
        sys.dont_write_bytecode = False

    def parse_tasks(self):
        with _usage_errors(self.argv):
            super().parse_tasks()


@contextmanager
def _usage_errors(argv: list[str]):
    """Parse failures end as one line and exit 2 (usage), like the scripts' argparse errors."""
    try:
        yield
    except ParseError as exc:
        hint = "see `spec-kitty --list` and `spec-kitty --help TASK`"
        raise Exit(f"spec-kitty: {exc} ({hint})", 2) from None
    except ValueError as exc:
        # invoke converts int and float options while parsing; name the flag whose value failed.
        value = str(exc).rpartition(": ")[2].strip("'")
        expected = "a number" if "float" in str(exc) else "a whole number"
        flag = _flag_of(argv, value)
        raise Exit(f"spec-kitty: {flag} expects {expected}, got {value!r}", 2) from None


def _flag_of(argv: list[str], value: str) -> str:
    for before, token in zip(["", *argv], argv, strict=False):
        if token == value and before.startswith("-"):
            return before
        if token.startswith("-") and token.endswith(f"={value}"):
            return token.partition("=")[0]
    return "an option"


def main() -> None:
    program = KittyProgram(
        name="spec-kitty",
        binary="spec-kitty",
        version=__version__,
        namespace=build_namespace(),
    )
    try:
        program.run()
        sys.stdout.flush()
    except BrokenPipeError:
        # `spec-kitty board | head`: the reader left; that is not an error.
        silence_stdout()
