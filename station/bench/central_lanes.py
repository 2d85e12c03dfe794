"""``garita bench central``: the station's side of it, simulated lanes on real lane databases, and the
``garita central`` command line each consumer of the group runs."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from garita.station.bench.central_ingest import BenchPlan, run_bench
from garita.station.storage.database import open_database
from garita.station.storage.lane_store import LaneStore
from garita.station.storage.outbox_repo import LaneStoreOutbox


class BenchLane:
    """One lane's own database and outbox, written the way the lane's lifecycle writes it."""

    def __init__(self, directory: Path, port: str, lane: str):
        directory.mkdir(parents=True, exist_ok=True)
        self.store = LaneStore(open_database(directory))
        self.outbox = LaneStoreOutbox(self.store)
        self.lane, self.reads = lane, 0

    def write_reads(self, count: int) -> None:
        now = datetime.now(UTC)
        with self.store.transaction() as tx:
            for _ in range(count):
                self.reads += 1
                tx.outbox(now, "read", {"lane": self.lane, "crossing_id": f"{self.lane}-c{self.reads // 4}",
                                        "device": "plate-cam", "kind": "plate", "value": f"BEN{self.reads:05d}",
                                        "read_id": self.reads})

    def write_decision(self) -> None:
        with self.store.transaction() as tx:
            tx.outbox(datetime.now(UTC), "decision", {"lane": self.lane, "crossing_id": f"{self.lane}-c0",
                                                      "decision_id": str(uuid.uuid4()), "action": "release",
                                                      "officer_id": "bench"}, 1)

    def close(self) -> None:
        self.store.db.conn.close()


def consumer_argv(dsn: str, broker_port: int, client_id: str, key_file: Path, group: str) -> list[str]:
    """One member of the consumer group, exactly as a systemd unit runs it (config/central/)."""
    return [sys.executable, "-m", "garita.station", "central", "--host", "127.0.0.1", "--port", str(broker_port),
            "--client-id", client_id, "--signing-key", str(key_file), "--key-id", "bench", "--dsn", dsn,
            "--group", group, "--resend-after", "5"]  # the product default


def bench_central(plan: BenchPlan, progress: Callable[[str], None] = lambda _m: None) -> list[dict]:
    return run_bench(plan, BenchLane, consumer_argv, progress)
