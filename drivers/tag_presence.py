"""Collapse repeated RFID reads: a tag is new when it enters the field, not on every read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from garita.drivers.events import utc_now


@dataclass
class TagSighting:
    """What we know about one tag currently in the field."""

    epc: str
    first_seen: datetime
    last_seen: datetime
    last_mono: float
    reads: int = 1


class TagPresence:
    """Tracks tags in the field; forgets a tag unseen for forget_after_s."""

    def __init__(self, forget_after_s: float = 3.0) -> None:
        self.forget_after_s = forget_after_s
        self._tags: dict[str, TagSighting] = {}
        self._left: list[TagSighting] = []  # expired, not yet reported as departures

    def seen(self, epc: str, mono: float) -> tuple[TagSighting, bool]:
        """Record one read; returns the sighting and True if the tag just appeared."""
        self.expire(mono)
        now = utc_now()
        sighting = self._tags.get(epc)
        if sighting is None:
            sighting = TagSighting(epc, now, now, mono)
            self._tags[epc] = sighting
            return sighting, True
        sighting.last_seen, sighting.last_mono = now, mono
        sighting.reads += 1
        return sighting, False

    def expire(self, mono: float) -> list[str]:
        """Drop tags not seen for forget_after_s; returns their EPCs."""
        gone = [e for e, s in self._tags.items() if mono - s.last_mono > self.forget_after_s]
        for epc in gone:
            self._left.append(self._tags.pop(epc))
        return gone

    def take_departures(self) -> list[TagSighting]:
        """Tags that left the field since the last call (each reported once: the vehicle left)."""
        left, self._left = self._left, []
        return left

    def refresh_all(self, mono: float) -> None:
        """Restart every tag's forget timer, e.g. after a reconnect.

        Time spent disconnected is not evidence that a tag left: without this, a tag
        still in the field after a long unplug would expire on the first tick after
        the replug and then be reported again as new (a duplicate read).
        """
        for sighting in self._tags.values():
            sighting.last_mono = mono

    def __contains__(self, epc: str) -> bool:
        return epc in self._tags
