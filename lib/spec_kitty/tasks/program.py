"""`spec-kitty`: an invoke Program over the package's task namespace, usable from any directory."""

import sys

from invoke import Program

from spec_kitty import __version__
from spec_kitty.jsonl import silence_stdout
from spec_kitty.tasks import build_namespace


class KittyProgram(Program):
    def parse_core(self, argv):
        super().parse_core(argv)
        # invoke stops bytecode caching so a project's tasks.py leaves no .pyc behind; spec-kitty
        # loads no tasks.py, and recompiling its own modules on every run costs ~20 ms.
        sys.dont_write_bytecode = False


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
