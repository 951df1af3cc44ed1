"""The reference ingest server: the whole batch-ingest contract over waitress and SQLite.

from spec_kitty.server import ReferenceServer
with ReferenceServer(db, users={"demo": {"password": "demo-password"}}) as server:
    ...  # server.url, server.stored_events()

The names are imported on first use, so the settings module can be read (for `--help`) without
loading the HTTP servers.
"""

__all__ = ["ReferenceServer", "User"]


def __getattr__(name: str):
    if name == "ReferenceServer":
        from spec_kitty.server.running import ReferenceServer

        return ReferenceServer
    if name == "User":
        from spec_kitty.server.users import User

        return User
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
