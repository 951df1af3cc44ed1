"""The task decorator every spec-kitty task uses.

It is invoke's `@task`, plus one rule: a ScriptError (a failure the user can act on) ends the task
with its one-line message and exit code, never a traceback.
"""

import functools

from invoke import Exit
from invoke import task as invoke_task

from spec_kitty.jsonl import ScriptError


def task(*args, **kwargs):
    def decorate(body):
        @functools.wraps(body)
        def run(*a, **kw):
            try:
                return body(*a, **kw)
            except ScriptError as exc:
                raise Exit(
                    f"spec-kitty {body.__name__.replace('_', '-')}: {exc}", exc.exit_code
                ) from None

        return invoke_task(run, **kwargs)

    if args and callable(args[0]):
        return decorate(args[0])
    return decorate
