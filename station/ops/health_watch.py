"""Turns device health records into log events when something changes (port IT reads these)."""

from __future__ import annotations

import logging
from typing import Any

from garita.station.ops.event_log import log_event

log = logging.getLogger("garita.devices")


class HealthWatch:
    """Compares each device's health snapshot with the previous one and logs the differences."""

    def __init__(self) -> None:
        self._last: dict[str, dict[str, Any]] = {}

    def check(self, health: dict[str, dict[str, Any]]) -> list[str]:
        """Log connect/disconnect and rejected input since the last check; return the event names."""
        events: list[str] = []
        for name, now in health.items():
            before = self._last.get(name)
            self._last[name] = now
            if before is None:
                continue
            if now["connected"] != before["connected"]:
                event = "device.connected" if now["connected"] else "device.disconnected"
                level = logging.INFO if now["connected"] else logging.WARNING
                detail = {"reconnects": now["reconnects"]} if now["connected"] else {"error": now["last_error"]}
                log_event(log, event, level, device=name, **detail)
                events.append(event)
            elif not now["connected"] and now["last_error"] and now["last_error"] != before["last_error"]:
                # Still down, for a new reason (an LLRP reader that takes the connection but refuses the ROSpec).
                log_event(log, "device.still_down", logging.WARNING, device=name, error=now["last_error"])
                events.append("device.still_down")
            events += self._noise(name, before, now)
            rejected = now["frames_rejected"] - before["frames_rejected"]
            if rejected > 0:
                log_event(log, "device.input_rejected", logging.WARNING, device=name, frames=rejected,
                          bytes_discarded=now["bytes_discarded"] - before["bytes_discarded"],
                          error=now["last_error"], total_rejected=now["frames_rejected"])
                events.append("device.input_rejected")
        return events

    @staticmethod
    def _noise(name: str, before: dict[str, Any], now: dict[str, Any]) -> list[str]:
        """One line when a noise burst starts and one when it ends, however many frames it held."""
        if now.get("noisy") == before.get("noisy") and now.get("noise_events") == before.get("noise_events"):
            return []
        if now["noisy"]:
            log_event(log, "device.noisy", logging.WARNING, device=name, noise_events=now["noise_events"])
            return ["device.noisy"]
        log_event(log, "device.quiet", device=name, noise_events=now["noise_events"],
                  frames_dropped=now["noise_frames_dropped"], bytes_discarded=now["bytes_discarded"])
        return ["device.quiet"]
