"""Failed sign-ins reach the audit one row per burst: a guesser cannot flood the trail or the uplink.

The first failure after a quiet spell is audited at once (one wrong PIN is worth a row of its
own); further failures within ``quiet_s`` of each other are counted and written as one
``booth.signin_failed_burst`` row when the burst ends, or every ``flush_s`` while it lasts.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from garita.station.booth.audit_view import audit
from garita.station.storage.lane_store import LaneStore

QUIET_S = 10.0
FLUSH_S = 60.0
SAMPLE_IDS = 10  # officer ids named in a burst row; the rest only counted


@dataclass
class _Burst:
    started: datetime
    count: int = 0
    refused: int = 0  # attempts the throttle turned away unchecked
    ids: set[str] = field(default_factory=set)
    sample: list[str] = field(default_factory=list)
    methods: set[str] = field(default_factory=set)


class FailedSignins:
    def __init__(self, store: LaneStore, quiet_s: float = QUIET_S, flush_s: float = FLUSH_S,
                 clock: Callable[[], float] = time.monotonic):
        self.store, self.quiet_s, self.flush_s, self.clock = store, quiet_s, flush_s, clock
        self._last = float("-inf")
        self._opened = 0.0
        self._burst: _Burst | None = None
        self.total = 0

    def failed(self, actor: str, method: str, refused: bool = False) -> None:
        """Record one failure (``actor`` as the audit names it, e.g. ``officer:o-1``).

        ``refused``: the throttle turned the attempt away before any check; counted in the burst."""
        now = self.clock()
        self.total += 1
        quiet = now - self._last >= self.quiet_s
        self._last = now
        if quiet and not refused:
            self.flush()
            audit(self.store, actor, "booth.signin_failed", {"method": method})
            return
        if self._burst is None:
            self._burst, self._opened = _Burst(datetime.now(UTC)), now
        self._add(self._burst, actor, method, refused)
        if now - self._opened >= self.flush_s:
            self.flush()

    def tick(self) -> None:
        """Write the burst row once the guessing has stopped for ``quiet_s``."""
        if self._burst is not None and self.clock() - self._last >= self.quiet_s:
            self.flush()

    def flush(self) -> None:
        burst, self._burst = self._burst, None
        if burst is None:
            return
        audit(self.store, "booth", "booth.signin_failed_burst", {
            "count": burst.count, "refused": burst.refused, "distinct_ids": len(burst.ids), "ids": burst.sample,
            "methods": sorted(burst.methods), "since": burst.started.isoformat(),
            "until": datetime.now(UTC).isoformat()})

    @staticmethod
    def _add(burst: _Burst, actor: str, method: str, refused: bool) -> None:
        burst.count += 1
        burst.refused += refused
        burst.methods.add(method)
        if actor not in burst.ids and len(burst.ids) < 10_000:  # bounded: beyond, only counted
            burst.ids.add(actor)
            if len(burst.sample) < SAMPLE_IDS:
                burst.sample.append(actor)
