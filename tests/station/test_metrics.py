"""The metrics port of a real lane process: /metrics parsed by prometheus_client, /healthz, /readyz,
and `garita devices` exit codes in each state."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from garita.station.config.lane_config import LaneConfig
from garita.station.ops.readiness import WatchlistInfo, combine, exit_code, watchlist_check
from tests.conftest import REPO
from tests.station.test_cli import garita

LISTENING = re.compile(r"event=metrics\.listening url=(\S+)/metrics")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(config: Path, data_dir: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "garita.station", "run", "--config", str(config), "--data-dir",
                             str(data_dir), *extra], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def base_url(process: subprocess.Popen, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    lines = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        assert line, "lane ended early:\n" + "".join(lines)
        lines.append(line)
        if found := LISTENING.search(line):
            return found.group(1)
    raise AssertionError("no metrics.listening line:\n" + "".join(lines))


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """Every sample keyed by (name, sorted labels), through the client library's own parser."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def wait_for(predicate, timeout: float = 60, step: float = 0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(step)
    raise AssertionError("condition not met in time")


def stop(process: subprocess.Popen) -> str:
    process.terminate()
    output, _ = process.communicate(timeout=30)
    return output


def mock_config(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "lane.toml"
    path.write_text((REPO / "config/mock-lane.toml").read_text() + f"\n[metrics]\nenabled = true\nport = {port}\n")
    return path


def test_a_running_mock_lane_is_scraped_and_ready(tmp_path):
    data_dir = tmp_path / "data"
    process = start(mock_config(tmp_path, free_port()), data_dir, "--mock", "--scenario", "small", "--speed", "3",
                    "--auto-decide")
    try:
        url = base_url(process)
        assert url.startswith("http://127.0.0.1:")
        wait_for(lambda: get(url + "/readyz")[0] == 200)

        def decided_three():
            text = get(url + "/metrics")[1]
            values = samples(text)
            total = sum(v for (name, _), v in values.items() if name == "garita_decisions_total")
            recognised = values.get(("garita_recognition_seconds_count", (("kind", "plate"),)), 0)
            return values if total >= 3 and recognised >= 1 else None  # the first image waits on the model load

        values = wait_for(decided_three, timeout=90)
        assert values[("garita_reads_total", (("device", "rfid-1"), ("kind", "rfid")))] >= 1
        assert values[("garita_reads_total", (("device", "plate-cam"), ("kind", "image")))] >= 1
        for device in ("plate-cam", "rfid-1", "scanner-1", "docs-1"):
            kind = {"plate-cam": "camera", "rfid-1": "rfid", "scanner-1": "scanner", "docs-1": "document-reader"}
            assert values[("garita_device_connected", (("device", device), ("kind", kind[device])))] == 1
        assert values[("garita_device_noise_bytes_total", (("device", "scanner-1"), ("kind", "scanner")))] > 0
        assert values[("garita_recognition_seconds_count", (("kind", "plate"),))] >= 1
        assert values[("garita_watchlist_version", ())] >= 1
        assert values[("garita_watchlist_stale", ())] == 0
        assert values[("garita_ready", ())] == 1
        assert values[("garita_health_state", (("state", "healthy"),))] == 1
        assert values[("garita_link_state", (("state", "off"),))] == 1
        assert ("garita_outbox_pending_rows", ()) in values
        assert ("garita_booth_sessions", (("locked", "false"),)) in values
        assert values[("garita_scrape_failures_total", ())] == 0
        families = list(text_string_to_metric_families(get(url + "/metrics")[1]))
        # a family without samples yet (no downlink in mock mode) is still declared, with its type
        declared = {f.name + ("_total" if f.type == "counter" else "") for f in families}
        # The webhook's series exist only where a webhook is configured: tests/station/test_webhook.py checks them.
        dashboard_uses_only_exported_metrics({name for name, _ in values} | declared, leave_out="garita_webhook_")
        status, body = get(url + "/healthz")
        assert status == 200 and json.loads(body)["live"] is True
        ready = json.loads(get(url + "/readyz")[1])
        assert ready["checks"]["database"]["ok"] and ready["checks"]["devices"]["required_down"] == []
        assert get(url + "/nothing")[0] == 404
        shown = garita("devices", "--data-dir", str(data_dir))
        assert shown.returncode == 0, shown.stdout + shown.stderr
        assert "lane healthy (exit 0)" in shown.stdout
    finally:
        output = stop(process)
    assert "Traceback" not in output
    assert garita("devices", "--data-dir", str(data_dir)).returncode == 3  # stopped: not running


def dashboard_metrics() -> set[str]:
    """Every metric name an expression of the shipped Grafana dashboard queries."""
    dashboard = json.loads((REPO / "config/grafana-dashboard.json").read_text())
    panels = dashboard["panels"]
    assert len(panels) >= 15 and len({panel["id"] for panel in panels}) == len(panels)
    exprs = [target["expr"] for panel in panels for target in panel["targets"]]
    assert exprs and all(exprs)
    return {name for expr in exprs for name in re.findall(r"garita_[a-z_]+", expr)}


def dashboard_uses_only_exported_metrics(exported: set[str], *, only: str = "garita_", leave_out: str = "") -> None:
    """Every series the dashboard queries (named ``only...``, not ``leave_out...``) is one the lane really exports."""
    used = {name for name in dashboard_metrics() if name.startswith(only) and not (leave_out and
                                                                                 name.startswith(leave_out))}
    assert used
    assert used <= exported, used - exported


def missing_device_config(tmp_path: Path, ready_devices: str) -> Path:
    path = tmp_path / "lane.toml"
    path.write_text(f"""
[lane]
id = "lane-m"
port_code = "2504"
direction = "northbound"
[[devices]]
name = "scanner-1"
kind = "scanner"
driver = "serial-barcode"
port = "{tmp_path}/no-such-tty"
[booth]
enabled = false
[vision]
enabled = false
[metrics]
enabled = true
port = {free_port()}
{ready_devices}
""")
    return path


@pytest.mark.parametrize(("ready_devices", "state", "code", "http"), [
    ("", "down", 2, 503),  # the scanner is required (every device is, by default) and absent
    ("ready_devices = []", "degraded", 1, 200),  # nothing required: an absent scanner only degrades the lane
])
def test_a_lane_with_a_device_missing_is_down_or_degraded(tmp_path, ready_devices, state, code, http):
    data_dir = tmp_path / "data"
    process = start(missing_device_config(tmp_path, ready_devices), data_dir)
    try:
        url = base_url(process)
        status, body = wait_for(lambda: (r := get(url + "/readyz")) and json.loads(r[1]).get("state") == state and r)
        assert status == http
        assert json.loads(body)["checks"]["devices"][
            "required_down" if state == "down" else "optional_down"] == ["scanner-1"]
        shown = wait_for(lambda: (r := garita("devices", "--json", "--data-dir", str(data_dir))).returncode == code
                         and r)
        assert json.loads(shown.stdout)["exit_code"] == code
        assert get(url + "/healthz")[0] == 200  # live all the same: the lane runs and retries the port
    finally:
        stop(process)


def test_devices_with_no_lane_ever_run_exits_3(tmp_path):
    result = garita("devices", "--data-dir", str(tmp_path))
    assert result.returncode == 3 and "has not run" in result.stderr


def test_readiness_rules():
    up = {"ok": True, "required_down": [], "optional_down": []}
    db_ok, wl_ok = {"ok": True}, {"ok": True}
    assert combine(up, db_ok, wl_ok)["state"] == "healthy"
    assert combine({**up, "optional_down": ["cam-2"]}, db_ok, wl_ok) | {"checked_at": 0} == {
        "ready": True, "state": "degraded", "checked_at": 0,
        "checks": {"devices": {**up, "optional_down": ["cam-2"]}, "database": db_ok, "watchlist": wl_ok}}
    assert combine(up, {"ok": False}, wl_ok)["state"] == "down"
    stale = watchlist_check(WatchlistInfo(True, 4, 30 * 3600, 24 * 3600))
    assert not stale["ok"] and "stale" in stale["detail"]
    verdict = combine(up, db_ok, stale)
    assert (verdict["ready"], verdict["state"]) == (False, "degraded")
    assert not watchlist_check(WatchlistInfo(True, None, None, 3600))["ok"]
    assert watchlist_check(WatchlistInfo(False, None, None, 3600))["ok"]
    assert exit_code({"readiness": verdict}, running=True) == 1
    assert exit_code({"readiness": {"state": "down"}}, running=True) == 2
    assert exit_code({"readiness": {"state": "healthy"}}, running=False) == 3
    assert exit_code(None, running=True) == 3


def test_metrics_section_is_strict():
    base = {"lane": {"id": "l", "port_code": "2504", "direction": "northbound"},
            "devices": [{"name": "rfid-1", "kind": "rfid", "driver": "alien", "port": "/dev/ttyUSB0"}]}
    assert LaneConfig.model_validate({**base, "metrics": {"ready_devices": ["rfid-1"]}}).metrics.port == 9464
    with pytest.raises(ValueError, match="extra"):
        LaneConfig.model_validate({**base, "metrics": {"prot": 1}})
    with pytest.raises(ValueError, match="rfid-9"):
        LaneConfig.model_validate({**base, "metrics": {"ready_devices": ["rfid-9"]}})


def test_scrape_time_values_from_a_real_database(store, data_dir):
    """Decisions by action and override, queue, outbox age, sessions and downlink reasons, as parsed."""
    from datetime import UTC, datetime, timedelta

    from prometheus_client import generate_latest

    from garita.station.core.lifecycle import Lifecycle, ReadIn
    from garita.station.ops.metrics import LaneMetrics

    lifecycle = Lifecycle(store, "lane-t", 300)
    old = datetime.now(UTC) - timedelta(minutes=10)
    first = lifecycle.record_read(ReadIn("rfid-1", "rfid", "E1", {}, old)).crossing_id
    lifecycle.decide(first, "secondary", "o-1", "tip-off", recommendation="release")
    second = Lifecycle(store, "lane-t", 300, clock=lambda: old).record_read(
        ReadIn("rfid-1", "rfid", "E2", {}, old)).crossing_id  # another vehicle's tag: its own crossing
    lifecycle.flag_idle()
    with store.transaction() as tx:
        tx.conn.execute("INSERT INTO officers (id, name, role, created_at) VALUES ('o-1', 'Ana', 'officer', 'now')")
        tx.conn.execute("INSERT INTO booth_sessions VALUES ('h', 'o-1', strftime('%s','now'), strftime('%s','now'),"
                        " 1, 'en')")
    metrics = LaneMetrics("lane-t", data_dir, lambda: {"rfid-1": {"connected": False, "frames_ok": 3,
                                                                  "frames_rejected": 2, "bytes_discarded": 40,
                                                                  "reconnects": 1}},
                          {"rfid-1": "rfid"}, session_max_s=3600)
    metrics.view.downlink = {"accepted": {"watchlist.delta": 2}, "refused": {"bad_signature": 1, "replayed": 3}}
    metrics.observe_recognition("container", 0.8)
    values = samples(generate_latest(metrics.registry).decode())
    assert values[("garita_decisions_total", (("action", "secondary"), ("override", "true")))] == 1
    assert values[("garita_crossings", (("state", "flagged_idle"),))] == 1 and second
    assert values[("garita_crossings_awaiting_decision", ())] == 1
    assert values[("garita_outbox_pending_rows", ())] >= 4
    assert values[("garita_outbox_oldest_pending_age_seconds", ())] >= 590  # the read ten minutes ago
    assert values[("garita_booth_sessions", (("locked", "true"),))] == 1
    assert values[("garita_downlink_messages_total", (("reason", "replayed"), ("result", "refused")))] == 3
    assert values[("garita_downlink_messages_total", (("reason", "watchlist.delta"), ("result", "accepted")))] == 2
    assert values[("garita_device_frames_total", (("device", "rfid-1"), ("kind", "rfid"), ("result", "rejected")))] == 2
    assert values[("garita_device_connected", (("device", "rfid-1"), ("kind", "rfid")))] == 0
    assert values[("garita_recognition_seconds_bucket", (("kind", "container"), ("le", "1.0")))] == 1
    assert values[("garita_scrape_failures_total", ())] == 0
