"""The lane's read side of the watchlist: the live snapshot, its status, and lookups that follow new imports."""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from garita.station.config.lane_config import WatchlistSection
from garita.station.storage import watchlist_repo
from garita.station.storage.watchlist_repo import WatchlistMeta
from garita.station.watchlist import rejections
from garita.station.watchlist import watchlist_store as store
from garita.station.watchlist.matching import Hit, Matcher, MatchSettings


@dataclass(frozen=True)
class WatchlistStatus:
    """What ``garita watchlist status`` and the booth show: version, age, staleness, counts."""

    version: int | None
    snapshot_version: int | None
    created_at: str | None
    applied_at: str | None
    age_s: float | None
    stale: bool
    counts: dict[str, int]
    rejected: dict[str, int]
    last_rejection: dict[str, Any] | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def line(self) -> str:
        """One line for logs and the command line; staleness is never left out."""
        if self.version is None:
            return "watchlist: none imported (STALE: no watchlist)"
        age_h = (self.age_s or 0) / 3600
        flag = " STALE" if self.stale else ""
        return f"watchlist v{self.version} (snapshot v{self.snapshot_version}), age {age_h:.1f} h{flag}"


class Watchlist:
    """Opens the live snapshot read-only and reopens it when a new snapshot becomes current."""

    def __init__(self, data_dir: Path, settings: MatchSettings | None = None, stale_after_s: float = 86400):
        self.directory = store.watchlist_dir(data_dir)
        self.settings = settings or MatchSettings()
        self.stale_after_s = stale_after_s
        self._opened: Path | None = None
        self._conn: sqlite3.Connection | None = None

    def _refresh(self) -> sqlite3.Connection | None:
        path = store.current_file(self.directory)
        if path != self._opened:
            self.close()
            if path is not None and path.exists():
                self._conn, self._opened = watchlist_repo.connect(path, readonly=True), path
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn, self._opened = None, None

    def matcher(self) -> Matcher | None:
        """A matcher on the current snapshot, or None before the first import."""
        conn = self._refresh()
        return Matcher(conn, self.settings) if conn is not None else None

    def status(self, now: datetime | None = None) -> WatchlistStatus:
        conn = self._refresh()
        meta = watchlist_repo.read_meta(conn) if conn is not None else WatchlistMeta()
        counts = watchlist_repo.counts_by_kind(conn) if conn is not None else {}
        refused = rejections.load(self.directory)
        age = None
        if meta.get("created_at"):
            age = ((now or datetime.now(UTC)) - datetime.fromisoformat(meta["created_at"])).total_seconds()
        return WatchlistStatus(meta.get("version"), meta.get("snapshot_version"), meta.get("created_at"),
                               meta.get("applied_at"), age, age is None or age > self.stale_after_s, counts,
                               refused["counts"], refused["last"])

    def meta(self) -> WatchlistMeta:
        """The current snapshot's header (version, created_at, ...) without counting entries."""
        conn = self._refresh()
        return watchlist_repo.read_meta(conn) if conn is not None else WatchlistMeta()

    def version(self) -> int | None:
        conn = self._refresh()
        return watchlist_repo.read_meta(conn).get("version") if conn is not None else None

    def freshness(self, now: datetime | None = None) -> tuple[int | None, bool]:
        """(version, stale) without counting entries: cheap enough for every read."""
        conn = self._refresh()
        meta = watchlist_repo.read_meta(conn) if conn is not None else WatchlistMeta()
        if not meta.get("created_at"):
            return None, True
        age = ((now or datetime.now(UTC)) - datetime.fromisoformat(meta["created_at"])).total_seconds()
        return meta.get("version"), age > self.stale_after_s

    def check(self, value: str, kind: str | None = None, now: datetime | None = None) -> list[Hit]:
        """Look ``value`` up as every kind it could be (or only ``kind``); hits most serious first."""
        matcher = self.matcher()
        if matcher is None:
            return []
        lookups = {"plate": matcher.plate, "container": matcher.container, "document": matcher.document,
                   "rfid": matcher.rfid, "carrier": matcher.carrier, "person": matcher.person}
        hits: dict[tuple[str, str], Hit] = {}
        for name, lookup in lookups.items():
            if kind in (None, name):
                for hit in lookup(value, now=now):
                    hits.setdefault((hit.entry_id, hit.tier), hit)
        return sorted(hits.values(), key=Hit.sort_key)


def parse_dob(text: str | None) -> date | None:
    """An ISO date of birth, or None when absent or unreadable (MRZ dates can be partial)."""
    with contextlib.suppress(TypeError, ValueError):
        return date.fromisoformat(text)
    return None


def settings_from(section: WatchlistSection) -> MatchSettings:
    """Matching settings from the ``[watchlist]`` config section."""
    return MatchSettings(tuple(section.confusion_classes), section.edit_distance_tier, section.check_digit_tier,
                         section.name_threshold)


def open_watchlist(data_dir: Path, section: WatchlistSection) -> Watchlist:
    """The watchlist as ``[watchlist]`` configures it."""
    return Watchlist(data_dir, settings_from(section), section.stale_after_h * 3600)
