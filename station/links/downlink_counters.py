"""Downlink counters that survive a restart: lane.metrics reports totals since the lane was installed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from garita.station.storage import downlink_state
from garita.station.storage.lane_store import LaneStore, Tx


class PersistedCounters:
    """Live counters (reset with the process) added to SQLite as deltas each time they are reported."""

    def __init__(self, store: LaneStore, prefix: str):
        self.prefix = prefix
        self._saved: Counter[str] = Counter()  # what of the live counters is already in the table
        self._base = Counter(downlink_state.counters(store, prefix))

    def save(self, tx: Tx, live: Mapping[str, int]) -> dict[str, int]:
        """Add what ``live`` gained since the last save; return the totals across restarts."""
        delta = {name: n - self._saved[name] for name, n in live.items() if n > self._saved[name]}
        downlink_state.add_counters(tx, {self.prefix + name: n for name, n in delta.items()})
        self._saved.update(delta)
        return dict(self._base + self._saved)
