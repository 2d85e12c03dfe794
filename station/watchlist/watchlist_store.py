"""Where the watchlist lives: ``DATA_DIR/watchlist/``, one SQLite file per snapshot, ``CURRENT`` naming the live one.

A snapshot is built into a new file and becomes live by atomically replacing ``CURRENT``, so a crash
while importing leaves the previous version in force. Deltas change the live file in one transaction.
It is kept apart from ``garita.db`` so a million-row import never holds the lane's write lock.
The SQL inside a snapshot file is ``storage.watchlist_repo``'s.
"""

from __future__ import annotations

import os
from pathlib import Path

from garita.station.storage import watchlist_repo


def watchlist_dir(data_dir: Path) -> Path:
    return data_dir / "watchlist"


def fsync_dir(directory: Path) -> None:
    """Make a rename in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def current_file(directory: Path) -> Path | None:
    """The live snapshot file, or None before the first import."""
    pointer = directory / "CURRENT"
    try:
        name = pointer.read_text().strip()
    except FileNotFoundError:
        return None
    return directory / name if name else None


def set_current(directory: Path, name: str) -> None:
    """Point ``CURRENT`` at ``name`` atomically and durably."""
    tmp = directory / "CURRENT.tmp"
    with tmp.open("w") as out:
        out.write(name + "\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, directory / "CURRENT")
    fsync_dir(directory)


def held_version(directory: Path) -> int | None:
    """The version now in force, or None when no snapshot was ever imported."""
    path = current_file(directory)
    if path is None or not path.exists():
        return None
    conn = watchlist_repo.connect(path, readonly=True)
    try:
        return watchlist_repo.read_meta(conn).get("version")
    finally:
        conn.close()


def remove_stale_files(directory: Path, keep: set[str]) -> None:
    """Delete snapshot files other than ``keep`` (the live one and the one before, for a quick rollback)."""
    for path in directory.glob("wl-*.db*"):
        if path.name.split(".db")[0] + ".db" not in keep:
            path.unlink(missing_ok=True)
