"""The task decorator every spec-kitty task uses.

It is invoke's `@task`, plus two rules. A ScriptError (a failure the user can act on) ends the
task with its one-line message and exit code, and an operating-system error (permissions, a file
where a folder should be) with one line and exit 5; never a traceback. And a short flag means one
thing in every task: only the flags of SHORT_FLAGS have one.
"""

import functools

from invoke import Exit, Task
from invoke import task as invoke_task

from spec_kitty.jsonl import EXIT_STORAGE, ScriptError, os_error_line

# The only short flags: each the initial of the one long flag it means in every task. A letter
# invoke had given flags of different meanings (-f: --feature, --force and --feedback) has none.
SHORT_FLAGS = {
    "json": "j",
    "limit": "l",
    "queue": "q",
    "server": "s",
    "username": "u",
    "wp": "w",
}


class KittyTask(Task):
    """invoke's Task with its short flags taken from SHORT_FLAGS, not from the letters of each
    flag (which gave -f three meanings and --feature an -e)."""

    def arg_opts(self, name, default, taken_names):
        opts = super().arg_opts(name, default, taken_names)
        flag = opts["names"][0]
        short = SHORT_FLAGS.get(flag) if self.auto_shortflags else None
        opts["names"] = [flag, short] if short else [flag]
        return opts


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

        return invoke_task(run, klass=KittyTask, **kwargs)

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
