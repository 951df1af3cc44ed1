"""JSON-lines I/O shared by every script.

stdout carries one compact JSON object per line; stderr carries what a person reads. `run_script`
turns the failures a user can cause into a one-line message and the documented exit code, and
keeps a closed downstream pipe (`| head`) silent.
"""

import codecs
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import IO, NoReturn

EXIT_OK = 0
EXIT_SOME_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_OFFLINE = 3
EXIT_AUTH = 4
EXIT_STORAGE = 5


class ScriptError(Exception):
    """A failure the user can act on: printed as one line, mapped to `exit_code`."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str, exit_code: int | None = None):
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class MalformedLine(ScriptError):
    """An input line that is not a JSON object; reading stops there."""

    def __init__(self, lineno: int, reason: str):
        super().__init__(f"line {lineno}: {reason}")
        self.lineno = lineno
        self.reason = reason

    def __reduce__(self):
        # Rebuilt from its own arguments when it crosses a process (see forked.py).
        return type(self), (self.lineno, self.reason)


def read_records(stream: IO[bytes] | Iterable[bytes]) -> Iterator[dict]:
    """Yield each non-blank line of `stream` as a dict; raise MalformedLine at the first bad one."""
    for record, _ in read_lines(stream):
        yield record


def read_lines(stream: IO[bytes] | Iterable[bytes]) -> Iterator[tuple[dict, bytes]]:
    """Like read_records, with each record's line as read (stripped), for writers that keep it."""
    for lineno, raw in enumerate(stream, 1):
        text = raw.strip()
        if text:
            yield parse_line(text, lineno), text


def parse_line(raw: bytes, lineno: int) -> dict:
    """One line as a JSON object; MalformedLine naming the line and the reason otherwise."""
    try:
        # Decoded here rather than by json.loads, which would first guess the encoding of bytes
        # on every line; a UTF-8 BOM is allowed, as json.loads allows it.
        text = raw.removeprefix(codecs.BOM_UTF8).decode()
        # raw_decode skips json.loads' two whitespace scans (the line is stripped already), a
        # quarter of parsing a short line; anything it does not take whole goes to json.loads,
        # for the same verdict and message.
        try:
            record, end = _DECODER.raw_decode(text)
        except json.JSONDecodeError:
            end = -1
        if end != len(text):
            record = json.loads(text)
    except UnicodeDecodeError:
        raise MalformedLine(lineno, "not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise MalformedLine(lineno, f"not JSON: {exc.msg} at column {exc.colno}") from None
    except RecursionError:
        raise MalformedLine(lineno, "JSON nested too deeply") from None
    except ValueError:
        # Python refuses to convert integers of more than a few thousand digits.
        limit = sys.get_int_max_str_digits()
        raise MalformedLine(lineno, f"a number of more than {limit} digits") from None
    if not isinstance(record, dict):
        raise MalformedLine(lineno, f"expected a JSON object, got {type(record).__name__}")
    return record


_DECODER = json.JSONDecoder()
# One encoder for the whole process: json.dumps with options builds a new one on every call.
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def dumps(record: dict) -> str:
    """One compact JSON line, without the newline."""
    return _ENCODER.encode(record)


def write_record(out: IO[str], record: dict) -> None:
    out.write(dumps(record) + "\n")


def stdin_bytes() -> IO[bytes]:
    return sys.stdin.buffer


def warn(message: str) -> None:
    """A line for the person at the terminal."""
    print(message, file=sys.stderr, flush=True)


def run_script(prog: str, body: Callable[[], int | None]) -> NoReturn:
    """Run a script body and exit with its code; user-caused failures never show a traceback."""
    try:
        code = body() or EXIT_OK
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
        code = EXIT_OK
    except ScriptError as exc:
        _flush_quietly()
        warn(f"{prog}: {exc}")
        code = exc.exit_code
    except OSError as exc:
        _flush_quietly()
        warn(f"{prog}: {os_error_line(exc)}")
        code = EXIT_STORAGE
    except KeyboardInterrupt:
        _flush_quietly()
        warn(f"{prog}: interrupted")
        code = 130
    sys.exit(code)


def os_error_line(exc: OSError) -> str:
    """An operating-system failure (permissions, a file where a folder should be, ...) in a line."""
    where = f"{exc.filename}: " if exc.filename else ""
    return f"{where}{exc.strerror or exc}"


def _flush_quietly() -> None:
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()


def silence_stdout() -> None:
    # The reader went away: point stdout at /dev/null so the interpreter's final flush is quiet.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
