"""The reference ingest server: the whole batch-ingest contract over werkzeug and SQLite.

from spec_kitty.server import ReferenceServer
with ReferenceServer(db, users={"demo": {"password": "demo-password"}}) as server:
    ...  # server.url, server.stored_events()
"""

from spec_kitty.server.running import ReferenceServer
from spec_kitty.server.users import User

__all__ = ["ReferenceServer", "User"]
