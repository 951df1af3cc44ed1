"""Importing invoke without the modules it loads for everyone and spec-kitty never uses.

`import invoke` imports unittest.mock (and with it asyncio and ssl) for MockContext, a helper for
testing tasks, importlib.metadata (and with it the email package) to read its own version, its
own copy of a YAML parser for configuration files a project may keep (invoke.yaml), and logging
for its debug messages: together more than half of every spec-kitty command's start-up. While
invoke is imported, those names resolve to stand-ins: MockContext's `Mock` loads the real
unittest.mock when it is first called, `version` reads invoke's version from the name of its
dist-info folder (the real importlib.metadata answers when there is none), the YAML parser is
loaded when a configuration file is read, and invoke's logger passes its messages on once the
real logging is loaded (before that, no handler exists that could show them: invoke's `--debug`
loads it to set one up). Anything else asked of a stand-in is answered by the real module. Once
invoke is in, the stand-ins are gone from sys.modules, so every later import gets the real modules.
"""

import importlib
import os
import sys
import types
from pathlib import Path


def import_invoke() -> None:
    """Import invoke (once per process) with the stand-ins in place of what it need not load."""
    if "invoke" in sys.modules:
        return
    stand_ins = {
        name: module
        for name, module in (
            ("unittest.mock", _mock()),
            ("importlib.metadata", _metadata()),
            ("invoke.vendor.yaml", _StandIn("invoke.vendor.yaml")),
            ("logging", _logging()),
        )
        if name not in sys.modules
    }
    sys.modules.update(stand_ins)
    try:
        import invoke  # noqa: F401
    finally:
        for name, module in stand_ins.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]


class _StandIn(types.ModuleType):
    """A module that answers what it does not define from the real module of its name (but not
    the import system's own questions, such as whether it is a package)."""

    def __getattr__(self, attribute: str):
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        return getattr(_real(self.__name__), attribute)


def _real(name: str) -> types.ModuleType:
    module = sys.modules.get(name)
    if isinstance(module, _StandIn):
        del sys.modules[name]
    return importlib.import_module(name)


def _mock() -> types.ModuleType:
    stand_in = _StandIn("unittest.mock")

    def Mock(*args, **kwargs):  # noqa: N802 (the name invoke imports)
        return _real("unittest.mock").Mock(*args, **kwargs)

    stand_in.Mock = Mock
    return stand_in


def _metadata() -> types.ModuleType:
    stand_in = _StandIn("importlib.metadata")

    def version(distribution: str) -> str:
        package = sys.modules.get(distribution)
        folders = Path(getattr(package, "__file__", None) or ".").resolve().parent.parent
        prefix, suffix = f"{distribution}-", ".dist-info"
        # A plain listing: glob would import fnmatch and compile a pattern, a few milliseconds.
        found = [n for n in os.listdir(folders) if n.startswith(prefix) and n.endswith(suffix)]
        if len(found) == 1:
            return found[0][len(prefix) : -len(suffix)]
        return _real("importlib.metadata").version(distribution)

    stand_in.version = version
    return stand_in


def _logging() -> types.ModuleType:
    stand_in = _StandIn("logging")
    stand_in.getLogger = _Logger
    return stand_in


class _Logger:
    """A logger by name whose debug messages go to the real logger of that name once the real
    logging module is loaded, and nowhere before (nothing could have set up a handler)."""

    def __init__(self, name: str | None = None):
        self.name = name

    def debug(self, *args, **kwargs) -> None:
        logging = sys.modules.get("logging")
        if logging is not None and not isinstance(logging, _StandIn):
            # stacklevel: the record names invoke's function that logged, not this one.
            logging.getLogger(self.name).debug(*args, stacklevel=2, **kwargs)

    def __getattr__(self, attribute: str):
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        return getattr(_real("logging").getLogger(self.name), attribute)
