"""The lane process killed with SIGKILL in the middle of a burst, then restarted: nothing lost, none twice."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO
from tests.sync.conftest import needs_mosquitto
from tests.sync.helpers import LANE, PORT, lane_store

pytestmark = needs_mosquitto


def _lane(broker, pki, data_dir, count: int) -> subprocess.Popen[bytes]:
    issued = pki.clients["lane-03"]
    spec = {"port": broker.port, "data_dir": str(data_dir), "count": count,
            "tls": [str(pki.ca.ca_file), str(issued.cert_file), str(issued.key_file)]}
    return subprocess.Popen([sys.executable, "-m", "tests.sync.lane_process", json.dumps(spec)], cwd=REPO)


def test_kill_9_mid_burst_then_restart_delivers_everything_once(broker, pki, central, data_dir):
    lane = _lane(broker, pki, data_dir, count=600)
    try:
        assert central.wait_until(lambda: central.store.count() >= 150, timeout_s=60)
    finally:
        lane.kill()  # SIGKILL: no clean disconnect, PUBACKs in flight never recorded
        lane.wait()
    assert central.store.count() < 600  # it really died mid-burst
    assert central.wait_until(lambda: central.store.presence(PORT, LANE) == "offline")  # the Last Will
    written = central.store.count()
    restarted = _lane(broker, pki, data_dir, count=0)  # only what the first run left in the outbox
    assert restarted.wait(60) == 0
    assert central.wait_until(lambda: central.store.presence(PORT, LANE) == "stopped")
    store = lane_store(data_dir)
    committed = store.query("SELECT COUNT(*) AS n, SUM(sent_at IS NULL) AS unsent FROM outbox")[0]
    assert committed["unsent"] == 0 and central.store.count() == committed["n"]  # every committed event arrived
    seqs = central.store.seqs(PORT, LANE)
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) >= written
    assert central.store.gaps(PORT, LANE) == []
