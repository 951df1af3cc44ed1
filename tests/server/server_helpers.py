"""Talking to a reference server in tests: login, batches (both shared with other folders' tests
through kitty_testing), event builders."""

from factories import PROJECT_UUID, status_event
from kitty_testing import bearer, post_batch
from kitty_testing import server_login as login

OTHER_PROJECT = "00000000-0000-4000-8000-000000000403"


def synced(**overrides) -> dict:
    """A valid WPStatusChanged event in the 4 sync lanes."""
    return status_event(from_lane="planned", to_lane="doing", **overrides)


__all__ = ["OTHER_PROJECT", "PROJECT_UUID", "bearer", "login", "post_batch", "synced"]
