"""The central's side of "nothing lost": which missing lane sequence ranges to ask for again, and when.

A broker acknowledges a message before it is safely on disk, so a crash can lose what the lane already
counts as delivered; the lane still holds delivered rows until retention prunes them, and resends a
range on a signed ``uplink.resend`` request. Live-first sending reorders the stream on purpose, so a
gap is only asked for once it has lasted ``grace_s``.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from garita.sync.logs import log_event

LaneKey = tuple[str, str]  # (port, lane)
MAX_RANGES = 100  # per request, as the uplink-resend schema allows


@dataclass
class _Gap:
    first_seen: float
    requests: int = 0
    last_request: float = -math.inf
    abandoned: bool = False


class GapWatch:
    """Decides, per lane, which gaps are due a resend request: after ``grace_s``, then every ``retry_s``,
    at most ``max_requests`` times (a lane that pruned the rows cannot send them; asking forever helps no one)."""

    def __init__(self, grace_s: float = 5.0, retry_s: float = 30.0, max_requests: int = 5,
                 clock: Callable[[], float] = time.monotonic):
        self.grace_s, self.retry_s, self.max_requests, self.clock = grace_s, retry_s, max_requests, clock
        self.abandoned = 0  # gaps given up on: each is logged once, and stays in the store's gap report
        self._gaps: dict[LaneKey, dict[int, _Gap]] = {}

    def due(self, lane: LaneKey, gaps: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """The ranges of ``gaps`` (the lane's current missing ranges) to request now."""
        now = self.clock()
        known = self._gaps.setdefault(lane, {})
        current = dict(gaps)
        for first in [first for first in known if first not in current]:
            del known[first]  # filled, or narrowed into a new gap that starts its own grace period
        due: list[tuple[int, int]] = []
        for first, last in gaps:
            gap = known.setdefault(first, _Gap(now))
            if len(due) < MAX_RANGES and self._ask(gap, now):  # the rest wait for the next round
                due.append((first, last))
            elif gap.requests >= self.max_requests and not gap.abandoned and now - gap.last_request >= self.retry_s:
                gap.abandoned = True
                self.abandoned += 1
                log_event("central.gap_abandoned", logging.ERROR, port=lane[0], lane=lane[1], first=first, last=last,
                          requests=gap.requests)
        return due

    def _ask(self, gap: _Gap, now: float) -> bool:
        if gap.requests >= self.max_requests or now - gap.first_seen < self.grace_s:
            return False
        if now - gap.last_request < self.retry_s:
            return False
        gap.requests += 1
        gap.last_request = now
        return True
