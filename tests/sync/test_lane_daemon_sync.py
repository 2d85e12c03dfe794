"""The real daemon (`garita run`) with [mqtt] on: decisions go up, signed watchlist feeds come down.

A Mosquitto with mTLS and passwords, the central tool, and the lane as a subprocess, as deployed.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from garita.station.core.lifecycle import Lifecycle, ReadIn
from garita.station.storage.database import open_database
from garita.station.storage.lane_store import LaneStore
from garita.station.watchlist.cache import Watchlist
from tests.conftest import REPO
from tests.station.watchlist_feeds import trust_toml
from tests.sync.conftest import LANE, PORT, USERS, needs_mosquitto

pytestmark = needs_mosquitto


def _lane_config(tmp_path: Path, broker, pki, signing_key) -> Path:
    (tmp_path / "mqtt.password").write_text(USERS[LANE])
    tls = pki.tls_for(LANE)
    config = tmp_path / "lane.toml"
    config.write_text(f"""
[lane]
id = "{LANE}"
port_code = "{PORT}"
direction = "northbound"

[mqtt]
enabled = true
host = "localhost"
port = {broker.port}
username = "{LANE}"
password_file = "{tmp_path / 'mqtt.password'}"
reconnect_max_s = 1
metrics_every_s = 1
[mqtt.tls]
ca_file = "{tls.ca_file}"
cert_file = "{tls.cert_file}"
key_file = "{tls.key_file}"
{trust_toml(signing_key, "central-1")}
[booth]
enabled = false
""")
    return config


def _wait(condition, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def _entry(entry_id: str, plate: str) -> dict:
    return {"id": entry_id, "kind": "plate", "action": "detain", "plate": plate, "country": "USA", "version": 1,
            "reason_code": "T1", "reason_en": "test", "reason_es": "prueba", "agency": "joint"}


def test_lane_daemon_syncs_both_ways(tmp_path, broker, pki, central, signing_key):
    config, data_dir = _lane_config(tmp_path, broker, pki, signing_key), tmp_path / "data"
    lane = subprocess.Popen([sys.executable, "-m", "garita.station", "run", "--config", str(config),
                             "--data-dir", str(data_dir)], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert _wait(lambda: central.store.presence(PORT, LANE) == "online"), "lane never came online"
        central.publish_snapshot(PORT, [_entry("W1", "8XYZ123"), _entry("W2", "ABC1234")], version=1)
        watchlist = Watchlist(data_dir)
        assert _wait(lambda: watchlist.version() == 1), "snapshot not applied"
        central.publish_delta(PORT, base_version=1, version=2, add=[_entry("W3", "CFY1234")], remove=[{"id": "W1"}])
        assert _wait(lambda: watchlist.version() == 2), "delta not applied"
        assert watchlist.check("CFY1234") and not watchlist.check("8XYZ123")
        watchlist.close()
        # A decision taken at the lane (here through the lane's own database) goes up.
        store = LaneStore(open_database(data_dir))
        lifecycle = Lifecycle(store, LANE, 60)
        crossing = lifecycle.record_read(ReadIn("rfid-1", "rfid", "E200", {}, datetime.now(UTC))).crossing_id
        decision = lifecycle.decide(crossing, "release", "us-1", "routine")
        kinds = lambda: [e["kind"] for e in central.store.events(PORT, LANE)]  # noqa: E731
        assert _wait(lambda: "decision" in kinds()), kinds()
        event = next(e for e in central.store.events(PORT, LANE) if e["kind"] == "decision")
        assert decision in json.dumps(event, default=str)
        assert central.store.gaps(PORT, LANE) == []
        # The audit trail goes up whole and chained; lane.metrics reports the lane's health.
        payloads = lambda kind: [json.loads(e["payload"]) for e in central.store.events(PORT, LANE)  # noqa: E731
                                 if e["kind"] == kind]
        assert _wait(lambda: any(a["action"] == "crossing.decided" for a in payloads("audit"))), kinds()
        audit = payloads("audit")
        assert all(later["prev_hash"] == earlier["hash"] for earlier, later in itertools.pairwise(audit))
        # the first row is queued at start, before the link connects; later ones report the connection
        assert _wait(lambda: any(m["link"]["connects"] >= 1 for m in payloads("lane.metrics"))), kinds()
        metrics = payloads("lane.metrics")[-1]
        assert metrics["lane"] == LANE and "pending" in metrics["outbox"]
        assert "version" in metrics["watchlist"]  # the central's `central-db behind` reads it
        store.db.conn.close()
    finally:
        lane.send_signal(signal.SIGTERM)
        output, _ = lane.communicate(timeout=20)
    assert lane.returncode == 0, output
    assert _wait(lambda: central.store.presence(PORT, LANE) == "stopped"), output


def test_mock_mode_honours_mqtt(tmp_path, broker, pki, central, signing_key):
    """Issue 17 row 13: `[mqtt] enabled = true` in mock mode syncs (it was silently ignored)."""
    real = _lane_config(tmp_path, broker, pki, signing_key).read_text()
    mqtt = real[real.index("[mqtt]"):real.index("[booth]")]
    mock = (REPO / "config/mock-lane.toml").read_text()
    config = tmp_path / "mock.toml"
    config.write_text(mock.replace("[mqtt]\nenabled = false\n", mqtt).replace('id = "', f'id = "{LANE}" #', 1)
                      .replace('port_code = "', f'port_code = "{PORT}" #', 1))
    command = [sys.executable, "-m", "garita.station", "run", "--mock", "--config", str(config), "--auto-decide",
               "--until-done", "--scenario", "small", "--speed", "4", "--data-dir", str(tmp_path / "data")]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "event=mock.mqtt state=on" in result.stdout + result.stderr
    assert _wait(lambda: any(e["kind"] == "decision" for e in central.store.events(PORT, LANE))), result.stdout[-3000:]
