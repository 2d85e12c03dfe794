"""A per-device noise budget: a burst of noise is one event, not thousands of bogus reads.

A device may see a little noise now and then (a glitch glued to the front of a scan); that
is tolerated, counted and the scan is kept. When noisy frames exceed the budget, or frames
come faster than a person can scan, the line is declared noisy: every frame is dropped and
counted until the line has been silent for ``quiet_s``, then real frames pass again.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from garita.drivers.events import DeviceHealth


@dataclass(frozen=True)
class GateSettings:
    noise_budget: int = 5  # noisy frames tolerated per window before the line counts as noisy
    noise_window_s: float = 2.0
    max_frames_per_s: int = 20  # faster than any person can scan
    quiet_s: float = 0.5  # silence that ends a burst


class NoiseGate:
    """Decides, frame by frame, whether a frame may become a read; reports bursts to health."""

    def __init__(self, health: DeviceHealth, settings: GateSettings | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.health, self.settings, self.clock = health, settings or GateSettings(), clock
        self._noisy: deque[float] = deque()
        self._frames: deque[float] = deque()
        self._last_bytes = 0.0
        self.in_burst = False

    def on_bytes(self) -> bool:
        """Note line activity; True when this chunk follows a silence that ended a burst."""
        now = self.clock()
        ended = self.in_burst and now - self._last_bytes >= self.settings.quiet_s
        if ended:
            self._end_burst()
        self._last_bytes = now
        return ended

    def on_tick(self) -> bool:
        """True when the line has just gone quiet after a burst (the caller drops partial frames)."""
        if self.in_burst and self.clock() - self._last_bytes >= self.settings.quiet_s:
            self._end_burst()
            return True
        return False

    def admit(self, noisy: bool, size: int) -> bool:
        """True when a frame may be published; False drops it (counted in health)."""
        now = self.clock()
        over_rate = self._over_rate(now)
        over_budget = noisy and self._over_budget(now)
        if not self.in_burst and (over_rate or over_budget):
            self.in_burst, self._last_bytes = True, now  # the silence that ends it is counted from here
            self.health.noise_started()
        if self.in_burst:
            self.health.noise_dropped(size)
            return False
        return True

    def _over_rate(self, now: float) -> bool:
        return _count_within(self._frames, now, 1.0) > self.settings.max_frames_per_s

    def _over_budget(self, now: float) -> bool:
        return _count_within(self._noisy, now, self.settings.noise_window_s) > self.settings.noise_budget

    def _end_burst(self) -> None:
        self.in_burst = False
        self._noisy.clear()
        self._frames.clear()
        self.health.noise_ended()


def _count_within(stamps: deque[float], now: float, window: float) -> int:
    """Add now to a sliding window of timestamps and return how many fall inside it."""
    stamps.append(now)
    while stamps and now - stamps[0] > window:
        stamps.popleft()
    return len(stamps)
