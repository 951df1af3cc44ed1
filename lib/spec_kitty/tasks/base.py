"""The task decorator every spec-kitty task uses.

It is invoke's `@task`, plus one rule: a ScriptError (a failure the user can act on) ends the task
with its one-line message and exit code, and an operating-system error (permissions, a file
where a folder should be) with one line and exit 5; never a traceback.
"""

import functools

from invoke import Exit
from invoke import task as invoke_task

from spec_kitty.jsonl import EXIT_STORAGE, ScriptError, os_error_line


def task(*args, **kwargs):
    def decorate(body):
        name = body.__name__.replace("_", "-")

        @functools.wraps(body)
        def run(*a, **kw):
            try:
                return body(*a, **kw)
            except ScriptError as exc:
                raise Exit(f"spec-kitty {name}: {exc}", exc.exit_code) from None
            except BrokenPipeError:
                raise  # the reader went away (`| head`): spec-kitty's main ends quietly
            except OSError as exc:
                raise Exit(f"spec-kitty {name}: {os_error_line(exc)}", EXIT_STORAGE) from None

        return invoke_task(run, **kwargs)

    if args and callable(args[0]):
        return decorate(args[0])
    return decorate


def number(flag: str, value: object, kind: type = float, minimum: float = 0) -> float:
    """An option value as a number of `kind`, at least `minimum`; a usage error otherwise."""
    expected = "a whole number" if kind is int else "a number"
    try:
        result = kind(value)
    except (TypeError, ValueError):
        raise ScriptError(f"--{flag} expects {expected}, got {value!r}") from None
    if result != result or result < minimum:  # NaN compares unequal to itself
        raise ScriptError(f"--{flag} expects {expected} of at least {minimum:g}, got {value!r}")
    return result
