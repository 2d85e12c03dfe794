"""Keeps the JPEG a camera read carries, beside the database, under a dated folder."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from station.ids import uuid7


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
