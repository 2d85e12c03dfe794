"""Files shipped in the wheel from the repo's config/ folder (example lane, mock lane, demo central)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def packaged_file(name: str) -> Path:
    """A file shipped in the wheel from the repo's config/ folder."""
    return Path(str(resources.files("garita.station.lane_files").joinpath(name)))
