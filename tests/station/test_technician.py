"""Technician commands against the mock lane's emulators, as real subprocesses."""

from __future__ import annotations

import json

from garita.station.ops.status_file import read_status, write_status
from tests.station.test_cli import garita


def test_probe_prints_decoded_reads_and_raw_bytes():
    result = garita("probe", "rfid-1", "--mock", "--scenario", "small", "--seconds", "3", "--raw")
    assert result.returncode == 0, result.stderr
    assert "rfid      tag E2003411B802011512345678 on antenna 0, seen" in result.stdout
    assert "raw b'Tag:E200 3411 B802 0115 1234 5678" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("health: connected; ")  # taken before the port closed
    assert "{" not in result.stdout  # plain words, not Python dicts


def test_probe_json_and_a_mock_device_whose_first_event_is_late():
    # The default scenario's first scan comes 14 s in: the probe starts the scenario just before it.
    result = garita("probe", "scanner-1", "--mock", "--seconds", "5", "--json")
    assert result.returncode == 0, result.stderr
    assert "mock: starting scenario 'default' at" in result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    reads, health = lines[:-1], lines[-1]["health"]
    assert reads and reads[0]["kind"] == "barcode" and reads[0]["data"]["type"] == "paps"
    assert bytes.fromhex(reads[0]["raw_hex"]).endswith(b"ABCD2403150001")
    assert health["connected"] is True and health["frames_ok"] == len(reads)


def test_probe_of_an_llrp_reader_against_its_emulator():
    result = garita("probe", "rfid-1", "--mock", "--config", "config/mock-lane-llrp.toml", "--scenario", "sentri-car",
                    "--seconds", "3", "--raw")
    assert result.returncode == 0, result.stderr
    assert "probing rfid-1 (rfid, llrp)" in result.stdout
    lines = [line for line in result.stdout.splitlines() if " rfid " in line]
    assert len(lines) == 2 and "E2003411B802011512345678" in lines[0] + lines[1]  # each card once
    assert "on antenna 1" in lines[0] and "peak rssi -" in lines[0]
    assert "raw b'\\x04=" in result.stdout  # an RO_ACCESS_REPORT: version 1, type 61
    assert "0 reconnects" in result.stdout and "0 rejected" in result.stdout
    assert "stats: messages=" in result.stdout and "inventories=1" in result.stdout


def test_probe_of_an_unknown_device_names_the_known_ones():
    result = garita("probe", "rfid-9", "--mock", "--seconds", "1")
    assert result.returncode == 1
    assert "no device 'rfid-9' in the config (devices: plate-cam, rfid-1, scanner-1, docs-1)" in result.stderr


def test_snapshot_writes_a_jpeg(tmp_path):
    target = tmp_path / "shot.jpg"
    result = garita("snapshot", "plate-cam", str(target), "--mock")
    assert result.returncode == 0, result.stderr
    assert target.read_bytes()[:2] == b"\xff\xd8" and target.stat().st_size > 1000
    refused = garita("snapshot", "rfid-1", str(tmp_path / "x.jpg"), "--mock")
    assert refused.returncode == 1 and "is not a camera" in refused.stderr


def test_devices_shows_the_health_the_lane_wrote(tmp_path):
    ran = garita("run", "--mock", "--scenario", "small", "--speed", "4", "--auto-decide", "--until-done",
                 "--data-dir", str(tmp_path))
    assert ran.returncode == 0, ran.stdout
    shown = garita("devices", "--json", "--data-dir", str(tmp_path))
    report = json.loads(shown.stdout)
    assert report["live"] is False and "stopped" in report["why"]
    devices = report["status"]["devices"]
    assert set(devices) == {"plate-cam", "rfid-1", "scanner-1", "docs-1"}
    assert devices["scanner-1"]["bytes_discarded"] > 0  # the scenario's line noise
    assert devices["rfid-1"]["frames_ok"] > 0 and devices["rfid-1"]["kind"] == "rfid"
    table = garita("devices", "--data-dir", str(tmp_path))
    assert "scanner-1" in table.stdout and "lane mock-lane — stopped" in table.stdout


def test_status_file_goes_stale(tmp_path):
    write_status(tmp_path, {"lane": "l", "state": "running", "devices": {}})
    status, why = read_status(tmp_path)
    assert status["lane"] == "l" and why == ""
    (tmp_path / "status.json").write_text(json.dumps({"state": "running", "updated_at": "2026-01-01T00:00:00+00:00"}))
    assert "not running" in read_status(tmp_path)[1]
    (tmp_path / "status.json").write_text("{half")
    assert read_status(tmp_path)[0] is None
    assert "has not run" in read_status(tmp_path / "nowhere")[1]
