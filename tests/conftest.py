"""Shared fixtures: a fresh data directory and lane store per test; the shared development data, or skip."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest
from hypothesis import HealthCheck, settings

REPO = Path(__file__).resolve().parents[1]

# No wall-clock limits in tests: Hypothesis's per-example deadline and its "input generation is slow"
# check fail property tests on a loaded 2-core machine without anything being wrong. Tests' own
# @settings(...) build on this profile.
settings.register_profile("garita", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("garita")
SHARED = REPO.parent / "shared"


def in_ci() -> bool:
    """CI sets CI=true; there a missing dataset must fail the run, not silently drop its checks."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def unavailable(what: str) -> NoReturn:
    """Skip a test whose real data or models are missing here; under CI the same is a failure."""
    if in_ci():
        pytest.fail(f"{what}; under CI=true this is a failure, not a skip (CI must run every real-data check)",
                    pytrace=False)
    pytest.skip(what)


def shared_path(relative: str, *required: str) -> Path:
    """``../shared/<relative>`` when it holds every ``required`` entry (files or folders), else skip or fail."""
    path = SHARED / relative
    missing = [name for name in required or (".",) if not (path / name).exists()]
    if missing:
        unavailable(f"development data not found: {', '.join(str(path / m) for m in missing)} "
                    f"(../shared/{relative}, read-only beside the repository)")
    return path


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def store(data_dir: Path):
    from garita.station.storage.database import open_database
    from garita.station.storage.lane_store import LaneStore

    lane_store = LaneStore(open_database(data_dir))
    yield lane_store
    lane_store.db.conn.close()
