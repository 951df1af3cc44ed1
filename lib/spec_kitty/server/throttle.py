"""Slowing down password guessing: failed logins and refreshes are counted per user and per client
address over the last minute. Past the limit, every attempt under that user or from that address
is answered 429 (without looking at the password) until its oldest failure is a minute old."""

import math
import threading
import time
from collections import deque

WINDOW = 60.0
# Guessers may name any number of users: past this many keys, the ones with no recent failure go.
_PRUNE_ABOVE = 10_000


class Throttle:
    def __init__(self, limit: int):
        self.limit = limit
        self.refused = 0
        self._failures: dict[str, deque] = {}
        self._lock = threading.Lock()

    def wait(self, keys: list[str]) -> int | None:
        """Whole seconds until an attempt under every one of `keys` is heard again, or None when
        it may be heard now. Counts the refusal."""
        now = time.monotonic()
        with self._lock:
            waits = [
                recent[0] + WINDOW - now
                for key in keys
                if len(recent := self._recent(key, now)) >= self.limit
            ]
            if not waits:
                return None
            self.refused += 1
        return max(1, math.ceil(max(waits)))

    def failed(self, keys: list[str]) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._failures.setdefault(key, deque()).append(now)
            if len(self._failures) > _PRUNE_ABOVE:
                for key in [k for k in self._failures if not self._recent(k, now)]:
                    del self._failures[key]

    def _recent(self, key: str, now: float) -> deque:
        recent = self._failures.get(key, deque())
        while recent and recent[0] <= now - WINDOW:
            recent.popleft()
        return recent
