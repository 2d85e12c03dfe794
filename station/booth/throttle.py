"""PIN guessing is slowed down: each attempt is counted *before* the slow scrypt check.

Counting first (in the event loop, with no await between the check and the count) means 500
concurrent requests get no more tries than 500 sequential ones. Limits apply per officer id
and per client address, and at most ``concurrent`` PIN checks run at once, with a short queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Callable

MAX_FAILURES = 5  # per officer id, per LOCKOUT_S
MAX_CLIENT_FAILURES = 20  # per client address, per LOCKOUT_S (a client may try several ids)
LOCKOUT_S = 60.0
CONCURRENT_CHECKS = 2  # scrypt holds a core and 16 MiB for ~50 ms: the lane PC has few of either
WAITING_CHECKS = 16
MAX_KEYS = 4096  # officer ids and clients remembered before expired ones are dropped


class Throttled(Exception):
    """The attempt was not checked: ``too_many_attempts`` or ``busy``."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class _Window:
    """Failure times per key, kept for LOCKOUT_S; bounded in keys."""

    def __init__(self, limit: int, clock: Callable[[], float]):
        self.limit, self.clock = limit, clock
        self._stamps: dict[str, deque[float]] = {}

    def recent(self, key: str) -> int:
        stamps = self._stamps.get(key)
        if stamps is None:
            return 0
        while stamps and self.clock() - stamps[0] >= LOCKOUT_S:
            stamps.popleft()
        return len(stamps)

    def add(self, key: str) -> None:
        if len(self._stamps) >= MAX_KEYS and key not in self._stamps:
            self._forget_expired()
        self._stamps.setdefault(key, deque()).append(self.clock())

    def undo(self, key: str) -> None:
        stamps = self._stamps.get(key)
        if stamps:
            stamps.pop()

    def clear(self, key: str) -> None:
        self._stamps.pop(key, None)

    def _forget_expired(self) -> None:
        for key in [k for k in self._stamps if self.recent(k) == 0]:
            del self._stamps[key]
        if len(self._stamps) >= MAX_KEYS:  # a flood of live keys: drop the oldest half
            for key in list(self._stamps)[: MAX_KEYS // 2]:
                del self._stamps[key]


class PinThrottle:
    def __init__(self, clock: Callable[[], float] = time.monotonic, concurrent: int = CONCURRENT_CHECKS):
        self._officers = _Window(MAX_FAILURES, clock)
        self._clients = _Window(MAX_CLIENT_FAILURES, clock)
        self._checks = asyncio.Semaphore(concurrent)
        self._waiting = 0

    def blocked(self, officer_id: str, client: str = "") -> bool:
        return (self._officers.recent(officer_id) >= MAX_FAILURES
                or self._clients.recent(client) >= MAX_CLIENT_FAILURES)

    def begin(self, officer_id: str, client: str = "") -> None:
        """Count this attempt as a failure now; raises Throttled when over a limit."""
        if self.blocked(officer_id, client):
            raise Throttled("too_many_attempts")
        self._officers.add(officer_id)
        self._clients.add(client)

    def refund(self, officer_id: str, client: str = "") -> None:
        """The attempt never reached the check (the server was busy): it does not count."""
        self._officers.undo(officer_id)
        self._clients.undo(client)

    def succeeded(self, officer_id: str, client: str = "") -> None:
        self._officers.clear(officer_id)
        self._clients.undo(client)  # a right PIN is not a failure of this client

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """One of the few PIN-check slots; raises Throttled("busy") when the queue is full."""
        if self._waiting >= WAITING_CHECKS:
            raise Throttled("busy")
        self._waiting += 1
        try:
            async with self._checks:
                yield
        finally:
            self._waiting -= 1
