"""The whole lane in mock-hardware mode, as a real process: scripted vehicles, real ptys, real stops."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import REPO

DECISION_LINE = re.compile(r"event=decision\.recorded crossing=(\S+) decision=(\S+) action=(\S+)")
READ_LINE = re.compile(r"event=read\.recorded crossing=(\S+) device=(\S+)")


def start_mock(data_dir: Path, *extra: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "garita.station", "run", "--mock", "--auto-decide",
               "--data-dir", str(data_dir), *extra]
    return subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


def read_until(process: subprocess.Popen, pattern: re.Pattern, count: int, timeout: float = 60) -> list[str]:
    """Collect output lines until `count` lines match `pattern` (the process keeps running)."""
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while sum(bool(pattern.search(line)) for line in lines) < count:
        assert time.monotonic() < deadline, "".join(lines)
        line = process.stdout.readline()
        assert line, "process ended early:\n" + "".join(lines)
        lines.append(line)
    return lines


def database(data_dir: Path) -> sqlite3.Connection:
    return sqlite3.connect(data_dir / "garita.db")


def test_small_scenario_runs_to_the_end_with_the_expected_decisions(tmp_path):
    process = start_mock(tmp_path, "--scenario", "small", "--speed", "3", "--until-done")
    output, _ = process.communicate(timeout=90)
    assert process.returncode == 0, output
    db = database(tmp_path)
    # What the lane itself decided, not what the script told the mock officer: one vehicle per crossing,
    # each holding its own reads, and the lane's recommendation with the override flagged where they differ.
    crossings = db.execute("SELECT id FROM crossings ORDER BY opened_at").fetchall()
    held = [{value for (value,) in db.execute("SELECT value FROM reads WHERE crossing_id = ? AND kind IN "
                                              "('rfid', 'document', 'barcode')", (crossing,))}
            for (crossing,) in crossings]
    assert held == [{"E2003411B802011512345678", "L898902C3"}, {"G12345678"},
                    {"3000214160C0040000006013", "ABCD2403150001"}]
    rows = db.execute("SELECT d.action, d.recommendation, d.override, d.officer_id FROM decisions d "
                      "JOIN crossings c ON c.id = d.crossing_id ORDER BY c.opened_at").fetchall()
    assert [(recommended, bool(override)) for _, recommended, override, _ in rows] == [
        ("secondary", True), ("release", True), ("release", False)]
    assert all(bool(override) == (action != recommended) for action, recommended, override, _ in rows)
    assert {officer for *_, officer in rows} == {"mock-officer-1"}
    assert db.execute("SELECT count(*) FROM crossings WHERE state != 'closed'").fetchone()[0] == 0
    kinds = {kind for (kind,) in db.execute("SELECT DISTINCT kind FROM reads")}
    assert {"rfid", "document", "barcode", "image"} <= kinds
    barcode = db.execute("SELECT value FROM reads WHERE kind = 'barcode'").fetchone()[0]
    assert barcode == "ABCD2403150001"  # the scenario's line noise was stripped, the scan kept
    assert "event=mock.finished crossings=3 decisions=3" in output


def test_default_scenario_at_speed_decides_every_vehicle_once(tmp_path):
    process = start_mock(tmp_path, "--scenario", "default", "--speed", "6", "--until-done")
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 0, output
    db = database(tmp_path)
    vehicles = [line.split("vehicle=")[1].strip() for line in output.splitlines() if "auto_officer.decided" in line]
    assert vehicles == ["car-sentri", "pickup-mx", "truck-fast", "truck-2box", "car-aamva", "car-badcd", "car-detain"]
    actions = [a for (a,) in db.execute("SELECT d.action FROM decisions d JOIN crossings c ON c.id = d.crossing_id "
                                        "ORDER BY c.opened_at")]
    assert actions == ["release"] * 5 + ["secondary", "detain"]
    # The demo central's signed watchlist and declarations were imported and drove the recommendations.
    rows = db.execute("SELECT d.recommendation, d.override FROM decisions d JOIN crossings c ON c.id = d.crossing_id"
                      " ORDER BY c.opened_at").fetchall()
    assert rows[-1] == ("detain", 0) and rows[-2] == ("secondary", 0)  # watchlist hit; bad check digit
    assert rows[2] == ("release", 0)  # the truck matched its declaration by its PAPS scan
    # The scripted faults reach the log: noise on the scanner, the RFID reader unplugged and back.
    assert re.search(r"event=device.input_rejected device=scanner-1 frames=\d+ bytes_discarded=[1-9]", output)
    assert re.search(r"event=device.disconnected device=rfid-1 error=", output)
    assert "event=device.connected device=rfid-1" in output


def test_sigterm_stops_cleanly_and_everything_logged_is_stored(tmp_path):
    process = start_mock(tmp_path, "--scenario", "default", "--speed", "2")
    lines = read_until(process, DECISION_LINE, 2)
    process.send_signal(signal.SIGTERM)
    started = time.monotonic()
    rest, _ = process.communicate(timeout=15)
    stopped_in = time.monotonic() - started
    assert process.returncode == 0, rest  # it stopped by itself (communicate's timeout only guards a hang)
    print(f"\nstopped {stopped_in:.1f} s after SIGTERM")  # reported: a time limit here would test the machine
    assert "event=lane.stopped" in rest
    output = "".join(lines) + rest
    db = database(tmp_path)
    decisions = {row[0] for row in db.execute("SELECT id FROM decisions")}
    assert {m.group(2) for m in DECISION_LINE.finditer(output)} <= decisions
    logged_reads = len(READ_LINE.findall(output))
    assert db.execute("SELECT count(*) FROM reads").fetchone()[0] == logged_reads


def test_kill_9_loses_no_acknowledged_decision_and_the_database_stays_sound(tmp_path):
    process = start_mock(tmp_path, "--scenario", "default", "--speed", "3")
    lines = read_until(process, DECISION_LINE, 3)
    process.kill()
    process.wait(timeout=10)
    db = database(tmp_path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    decisions = {row[0] for row in db.execute("SELECT id FROM decisions")}
    acknowledged = {m.group(2) for m in DECISION_LINE.finditer("".join(lines))}
    assert len(acknowledged) == 3 and acknowledged <= decisions
    audit = db.execute("SELECT count(*) FROM audit WHERE action = 'crossing.decided'").fetchone()[0]
    assert audit >= 3
    # The lane starts again on the same data and carries on.
    again = start_mock(tmp_path, "--scenario", "small", "--speed", "4", "--until-done")
    output, _ = again.communicate(timeout=90)
    assert again.returncode == 0, output
