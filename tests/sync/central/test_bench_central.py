"""`garita bench central` at a small scale: real lanes, Mosquitto, consumer processes, PostgreSQL; nothing lost
or stored twice, even through a consumer SIGKILL and a PostgreSQL crash mid-burst."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.station.test_cli import REPO
from tests.sync.central.conftest import needs_postgres
from tests.sync.conftest import needs_mosquitto

pytestmark = [needs_mosquitto, needs_postgres]


def test_bench_central_loses_nothing_through_a_consumer_kill_and_a_database_crash():
    argv = ["bench", "central", "--lanes", "6", "--consumers", "1,2", "--events", "250", "--decisions-per-s", "20",
            "--fault-rate", "250", "--json"]
    result = subprocess.run([sys.executable, "-m", "garita.station", *argv], capture_output=True, text=True,
                            timeout=280,
                            cwd=REPO)
    assert result.returncode == 0, result.stderr[-2000:]
    # a burst of 1,500 reads drained at 250/s: about 6 s, room for both faults to land inside it
    runs = {run["name"]: run for run in json.loads(result.stdout)}
    assert set(runs) == {"1 consumer", "2 consumers", "faults"}
    for run in runs.values():
        assert run["lost"] == 0 and run["duplicates_stored"] == 0 and run["gaps_left"] == 0, run
        assert run["events"] >= 6 * 250 and run["events_per_s"] > 0
    faults = runs["faults"]
    assert faults["consumer_kills"] == 1 and faults["database_restarts"] == 1, faults["notes"]
