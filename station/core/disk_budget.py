"""The data directory's disk budget: images are shed first, so reads and decisions always find room.

Below ``2 x reserve`` free bytes an image is not stored (counted); reads and decisions are
written whatever the budget says (they are small, and the reserve is kept for them). Images
older than ``image_retention_days`` are deleted once a day (their reads stay, without the file).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import shutil
import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from garita.station.ops.event_log import log_event

log = logging.getLogger("garita.disk")
MB = 1024 * 1024
CHECK_EVERY_S = 1.0
SWEEP_EVERY_S = 3600.0


def disk_full(exc: BaseException) -> bool:
    """True for the ways a full disk shows: ENOSPC/EDQUOT from a write, SQLite's 'disk is full'."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return isinstance(exc, sqlite3.OperationalError) and "full" in str(exc).lower()


class DiskBudget:
    def __init__(self, data_dir: Path, reserve_mb: int, retention_days: int,
                 free: Callable[[Path], int] = lambda path: shutil.disk_usage(path).free,
                 clock: Callable[[], float] = time.monotonic):
        self.data_dir, self.reserve, self.retention_days = data_dir, reserve_mb * MB, retention_days
        self._free, self.clock = free, clock
        self._checked, self._known = float("-inf"), 0
        self._swept = float("-inf")
        self.images_shed = 0
        self.images_expired = 0

    def free_bytes(self) -> int:
        now = self.clock()
        if now - self._checked >= CHECK_EVERY_S:
            self._checked = now
            try:
                self._known = self._free(self.data_dir)
            except OSError:
                self._known = 0
        return self._known

    def room_for_image(self, size: int) -> bool:
        """False (and counted) when storing ``size`` bytes would eat into twice the reserve."""
        if self.free_bytes() - size >= 2 * self.reserve:
            return True
        self.shed()
        return False

    def shed(self) -> None:
        self.images_shed += 1
        if self.images_shed in (1, 10, 100) or self.images_shed % 1000 == 0:  # a count, not a line per image
            log_event(log, "disk.images_shed", logging.WARNING, shed=self.images_shed,
                      free_mb=self.free_bytes() // MB, reserve_mb=self.reserve // MB)

    def has_room(self) -> bool:
        """Enough free space to retry reads held in memory."""
        self._checked = float("-inf")
        return self.free_bytes() > self.reserve // 2

    def sweep(self, today: datetime | None = None) -> int:
        """Delete image folders older than the retention (hourly at most); returns files deleted."""
        now = self.clock()
        if now - self._swept < SWEEP_EVERY_S:
            return 0
        self._swept = now
        cutoff = ((today or datetime.now(UTC)) - timedelta(days=self.retention_days)).date()
        deleted = 0
        for day in sorted((self.data_dir / "images").glob("*/*/*")):
            with contextlib.suppress(ValueError):
                if datetime.strptime("/".join(day.parts[-3:]), "%Y/%m/%d").date() < cutoff:
                    deleted += _remove_day(day)
        self.images_expired += deleted
        if deleted:
            log_event(log, "disk.images_expired", files=deleted, retention_days=self.retention_days)
        return deleted


def _remove_day(day: Path) -> int:
    files = [f for f in day.iterdir() if f.is_file()]
    for file in files:
        with contextlib.suppress(OSError):
            file.unlink()
    with contextlib.suppress(OSError):
        day.rmdir()
    return len(files)
