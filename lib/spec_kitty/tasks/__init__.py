"""The invoke task namespace behind `spec-kitty` (and the repository's tasks.py).

Each concern keeps its tasks in its own module with a TASKS list; task modules import their heavy
dependencies inside the task bodies so `spec-kitty --list` stays quick.
"""

from spec_kitty.tasks.lean_invoke import import_invoke

import_invoke()

from invoke import Collection  # noqa: E402


def build_namespace() -> Collection:
    """A fresh collection of every user-facing task, names dashed (sync-now, create-feature)."""
    from spec_kitty.tasks import dashboard, health, queue, runtime, server, sync, workflow

    namespace = Collection()
    for module in (workflow, runtime, queue, sync, health, server, dashboard):
        for task in module.TASKS:
            namespace.add_task(task)
    return namespace
