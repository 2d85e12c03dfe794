"""Keeps the JPEG a camera read carries, beside the database, under a dated folder."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from garita.station.core.ids import uuid7
from garita.station.ops.event_log import log_event

log = logging.getLogger("garita.images")


def save_image(data_dir: Path, jpeg: bytes, taken_at: datetime) -> str:
    """Write the image durably and return its path relative to the data directory."""
    relative = Path("images") / taken_at.strftime("%Y/%m/%d") / f"{uuid7()}.jpg"
    target = data_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(".part")
    with open(temporary, "wb") as handle:
        handle.write(jpeg)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, target)  # a crash never leaves half an image under the final name
    return str(relative)


def prune_images(data_dir: Path, keep_days: int, today: date) -> int:
    """Delete the dated image folders older than ``keep_days``; returns how many images went."""
    cutoff = today - timedelta(days=keep_days)
    removed = 0
    for day_dir in sorted((data_dir / "images").glob("[0-9]*/[0-9]*/[0-9]*")):
        try:
            day = date(*(int(part) for part in day_dir.parts[-3:]))
        except ValueError:  # not one of ours: leave it alone
            continue
        if day >= cutoff:
            continue
        removed += sum(1 for _ in day_dir.glob("*.jpg"))
        shutil.rmtree(day_dir, ignore_errors=True)
        for parent in (day_dir.parent, day_dir.parent.parent):
            with contextlib.suppress(OSError):  # only once empty
                parent.rmdir()
    return removed


class ImageRetention:
    """Daemon plugin: once an hour, off the event loop, images older than ``[storage] image_retention_days`` go."""

    EVERY_S = 3600.0

    def __init__(self, data_dir: Path, keep_days: int):
        self.data_dir, self.keep_days = data_dir, keep_days
        self._next = 0.0

    async def tick(self) -> None:
        now = time.monotonic()
        if now < self._next:
            return
        self._next = now + self.EVERY_S
        removed = await asyncio.to_thread(prune_images, self.data_dir, self.keep_days, datetime.now(UTC).date())
        if removed:
            log_event(log, "images.pruned", images=removed, keep_days=self.keep_days)

    async def aclose(self) -> None:
        """Nothing to close: a pruning pass in flight ends with the process."""
