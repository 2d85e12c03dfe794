"""Capped exponential backoff for reconnect loops."""

from __future__ import annotations

import threading


class Backoff:
    """Delay that doubles after each failure up to a cap and resets on success."""

    def __init__(self, initial_s: float = 0.2, cap_s: float = 5.0) -> None:
        self.initial_s, self.cap_s = initial_s, cap_s
        self.current_s = initial_s

    def reset(self) -> None:
        """Start again from the initial delay after a good connection."""
        self.current_s = self.initial_s

    def wait(self, stop: threading.Event) -> bool:
        """Sleep the current delay (or until stop); return True if stop was set."""
        stopped = stop.wait(self.current_s)
        self.current_s = min(self.current_s * 2, self.cap_s)
        return stopped
