"""How batch-send sends, and every default of it: chunk sizes, timeout, retries, backoff.

batch-send's flags and their --help, sync-now's help, the batch-send command line sync-now
runs and the retry policy of every request to the server all derive from `SendOptions`, so a
default is changed here alone. Light on purpose: the tasks' help is built from it at start-up.
"""

from dataclasses import dataclass, replace
from typing import NamedTuple


@dataclass(frozen=True)
class SendOptions:
    server: str | None = None
    chunk_events: int = 1000
    chunk_bytes: int = 4 * 1024 * 1024
    timeout: float = 30.0
    retries: int = 4
    backoff: float = 0.5
    max_wait: float = 30.0
    # Level 1 already shrinks event JSON several times over; higher levels cost more CPU than
    # they save in transfer on any but a slow link.
    compresslevel: int = 1
    progress: bool = False
    progress_every: float = 2.0


DEFAULTS = SendOptions()


class Flag(NamedTuple):
    """A batch-send flag that sets the SendOptions field `field`."""

    field: str
    flag: str
    kind: str  # the name of its argparse type in spec_kitty.flags
    what: str

    def help(self) -> str:
        return f"{self.what} (default {_shown(getattr(DEFAULTS, self.field))})"


FLAGS = (
    Flag("chunk_events", "--chunk-size", "positive_int", "events per request"),
    Flag("chunk_bytes", "--chunk-bytes", "positive_int", "uncompressed bytes per request"),
    Flag("timeout", "--timeout", "seconds", "seconds to wait for the server per request"),
    Flag("retries", "--retries", "whole_number", "retries after 429 or 5xx per request"),
    Flag("backoff", "--backoff", "seconds", "first retry delay in seconds, doubling"),
    Flag("max_wait", "--max-wait", "seconds", "most seconds spent waiting to retry one request"),
)
_BY_FIELD = {flag.field: flag for flag in FLAGS}


def flag_help(field: str) -> str:
    """The help of the flag that sets `field`, its default included."""
    return _BY_FIELD[field].help()


def add_send_flags(parser) -> None:
    """batch-send's flags for the fields of FLAGS, with their defaults and help."""
    from spec_kitty import flags

    for flag in FLAGS:
        parser.add_argument(
            flag.flag,
            dest=flag.field,
            type=getattr(flags, flag.kind),
            default=getattr(DEFAULTS, flag.field),
            metavar=flag.flag.removeprefix("--").replace("-", "_").upper(),
            help=flag.help(),
        )


def from_args(args, **others) -> SendOptions:
    """The options batch-send's flags (add_send_flags) and `others` give."""
    return SendOptions(**{flag.field: getattr(args, flag.field) for flag in FLAGS}, **others)


def with_given(**given) -> SendOptions:
    """The defaults with the values given (not None) instead."""
    return replace(DEFAULTS, **{name: value for name, value in given.items() if value is not None})


def send_arguments(options: SendOptions) -> list[str]:
    """batch-send's flags for `options`: the server when one is set, and every value of FLAGS
    that is not the default."""
    arguments = ["--server", options.server] if options.server else []
    for flag in FLAGS:
        value = getattr(options, flag.field)
        if value != getattr(DEFAULTS, flag.field):
            arguments += [flag.flag, str(value)]
    return arguments


def _shown(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
