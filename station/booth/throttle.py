"""Failed PIN attempts slow the guesser down: after a few, that officer id waits a while."""

from __future__ import annotations

import time
from collections.abc import Callable

MAX_FAILURES = 5
LOCKOUT_S = 60.0


class PinThrottle:
    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._failures: dict[str, list[float]] = {}

    def blocked(self, officer_id: str) -> bool:
        recent = [t for t in self._failures.get(officer_id, []) if self.clock() - t < LOCKOUT_S]
        self._failures[officer_id] = recent
        return len(recent) >= MAX_FAILURES

    def failed(self, officer_id: str) -> None:
        self._failures.setdefault(officer_id, []).append(self.clock())

    def succeeded(self, officer_id: str) -> None:
        self._failures.pop(officer_id, None)
