"""Shared fixtures: a fresh data directory and lane store per test."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def store(data_dir: Path):
    from station.storage.database import open_database
    from station.storage.lane_store import LaneStore

    lane_store = LaneStore(open_database(data_dir))
    yield lane_store
    lane_store.db.conn.close()
