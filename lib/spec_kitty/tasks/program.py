"""`spec-kitty`: an invoke Program over the package's task namespace, usable from any directory."""

from invoke import Program

from spec_kitty import __version__
from spec_kitty.tasks import build_namespace


def main() -> None:
    Program(
        name="spec-kitty",
        binary="spec-kitty",
        version=__version__,
        namespace=build_namespace(),
    ).run()
