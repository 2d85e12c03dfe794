"""One log line per burst: a flood of the same complaint is logged once, then as a count.

The first occurrence of a key is logged at once; further ones within ``window_s`` are only
counted, and the count goes out as one summary line when the next occurrence comes after the
window (or at ``flush``). 20,000 bad messages make a handful of lines, not 20,000.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from garita.sync.logs import log_event


class BurstLog:
    def __init__(self, event: str, window_s: float = 10.0, clock: Callable[[], float] = time.monotonic):
        self.event, self.window_s, self.clock = event, window_s, clock
        self._since: dict[str, float] = {}
        self._held: dict[str, int] = {}
        self.lines = 0

    def log(self, key: str, level: int = logging.WARNING, **fields: Any) -> None:
        now = self.clock()
        since = self._since.get(key)
        if since is not None and now - since < self.window_s:
            self._held[key] = self._held.get(key, 0) + 1
            return
        self._summary(key, level)
        self._since[key] = now
        self._emit(level, reason=key, **fields)

    def flush(self) -> None:
        for key in list(self._held):
            self._summary(key, logging.WARNING)

    def _summary(self, key: str, level: int) -> None:
        held = self._held.pop(key, 0)
        if held:
            self._emit(level, reason=key, repeated=held, over_s=self.window_s)

    def _emit(self, level: int, **fields: Any) -> None:
        self.lines += 1
        log_event(self.event, level, **fields)
