"""``garita bench lane``: how fast the lane core records reads and decisions, durably.

Each vehicle is a few reads and one decision, each its own transaction, as in the daemon.
The baseline is the same work with synchronous=NORMAL (what a lane would get by giving up
power-cut safety); printing both shows what durability costs on this disk.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from garita.station.core.lifecycle import Lifecycle, ReadIn
from garita.station.storage.database import open_database, set_synchronous
from garita.station.storage.lane_store import LaneStore

READS_PER_VEHICLE = 4


def _vehicle(lifecycle: Lifecycle, n: int, read_ms: list[float], decide_ms: list[float]) -> None:
    crossing_id = ""
    for k in range(READS_PER_VEHICLE):
        started = time.perf_counter()
        read = ReadIn(f"dev-{k}", "rfid", f"E200{n:08d}{k:012d}", {"antenna": k % 2}, datetime.now(UTC))
        crossing_id = lifecycle.record_read(read).crossing_id
        read_ms.append((time.perf_counter() - started) * 1000)
    started = time.perf_counter()
    lifecycle.decide(crossing_id, "release", "bench-officer", "benchmark")
    decide_ms.append((time.perf_counter() - started) * 1000)


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)


def run_one(vehicles: int, synchronous: Literal["FULL", "NORMAL"], data_dir: Path) -> dict[str, Any]:
    """Record `vehicles` crossings; return median/p95 per read and per decision, and the rates."""
    db = open_database(data_dir)
    set_synchronous(db, synchronous)
    lifecycle = Lifecycle(LaneStore(db), "bench-lane", idle_timeout_s=300)
    read_ms: list[float] = []
    decide_ms: list[float] = []
    started = time.perf_counter()
    for n in range(vehicles):
        _vehicle(lifecycle, n, read_ms, decide_ms)
    elapsed = time.perf_counter() - started
    db.conn.close()
    return {"synchronous": synchronous, "vehicles": vehicles,
            "read_p50_ms": statistics.median(read_ms), "read_p95_ms": _p95(read_ms),
            "decision_p50_ms": statistics.median(decide_ms), "decision_p95_ms": _p95(decide_ms),
            "reads_per_s": len(read_ms) / elapsed, "crossings_per_min": vehicles / elapsed * 60}


def run_bench(vehicles: int) -> list[dict[str, Any]]:
    """The lane's setting (FULL) and the baseline (NORMAL), each on a fresh database."""
    results = []
    for synchronous in ("FULL", "NORMAL"):
        with tempfile.TemporaryDirectory(prefix="garita-bench-") as tmp:
            results.append(run_one(vehicles, synchronous, Path(tmp)))
    return results
