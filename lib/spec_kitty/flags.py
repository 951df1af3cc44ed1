"""The scripts' command line: one parser shape, the options several scripts share, and argparse
types for the numeric flags (a bad value is a usage error that names it).

Light on purpose: argparse is imported where it is used, so the tasks can take the shared help
words from here and `spec-kitty` still starts without loading argparse.
"""

import math
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

QUEUE_HELP = "queue file (default: $SPEC_KITTY_HOME/event-queue.db)"


def script_parser(prog: str, help: str) -> "argparse.ArgumentParser":
    """A bin/ script's parser: its name, and its help text laid out as written, so the record
    shapes and the example pipelines keep their lines."""
    import argparse

    def layout(prog: str) -> argparse.HelpFormatter:
        return argparse.RawDescriptionHelpFormatter(prog, width=_help_width())

    return argparse.ArgumentParser(prog=prog, description=help, formatter_class=layout)


def _help_width() -> int:
    """The width argparse gives help (the terminal's, less 2), found as shutil would find it:
    argparse imports shutil for it on every parser, a tenth of a script's start-up."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 80
    return columns - 2


def add_queue_option(parser: "argparse.ArgumentParser") -> None:
    """--queue: the queue file to use instead of the spec-kitty home's."""
    parser.add_argument("--queue", help=QUEUE_HELP)


def positive_int(text: str) -> int:
    """A whole number of at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise _usage_error(f"expected a positive whole number, got {text!r}")
    return int(text)


def whole_number(text: str) -> int:
    """A whole number of at least 0."""
    if not text.isdigit():
        raise _usage_error(f"expected a whole number (0 or more), got {text!r}")
    return int(text)


def seconds(text: str) -> float:
    """A finite, non-negative number of seconds."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise _usage_error(f"expected a number of seconds, got {text!r}")
    return value


def _usage_error(message: str) -> Exception:
    # The one exception argparse reports with its own words, as "argument --flag: message".
    from argparse import ArgumentTypeError

    return ArgumentTypeError(message)
