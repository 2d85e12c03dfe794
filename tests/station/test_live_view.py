"""The mock run's terminal output: a live table in 80 columns on a TTY, rows only on a pipe."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from datetime import UTC, datetime

import pytest
from rich.console import Console

from garita.station.core.lifecycle import Lifecycle, ReadIn
from garita.station.mock.live_view import LiveView, crossing_row
from tests.conftest import REPO

ROW = re.compile(r"^\d\d:\d\d:\d\d [0-9a-f]{8}-[0-9a-f]{4} ")  # the id prefix `garita show` takes


def mock_command(data_dir, *extra: str) -> list[str]:
    return [sys.executable, "-m", "garita.station", "run", "--mock", "--scenario", "small", "--speed", "3",
            "--auto-decide", "--until-done", "--data-dir", str(data_dir), *extra]


def test_piped_stdout_is_the_rows_only_and_the_logs_go_to_stderr(tmp_path):
    done = subprocess.run(mock_command(tmp_path), cwd=REPO, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert done.returncode == 0, done.stderr
    rows = done.stdout.splitlines()
    assert len(rows) == 3, done.stdout
    assert all(ROW.match(row) and len(row) <= 80 for row in rows), rows
    car, pickup, truck = rows
    assert "L898902C3" in car and " release " in car and car.endswith("yes")  # released despite an expired passport
    assert "G12345678" in pickup and " secondary " in pickup
    assert "ABCD2403150001" in truck and truck.endswith("release   no")
    assert "event=" not in done.stdout
    assert "logs → stderr · booth off" in done.stderr and "event=lane.ready" in done.stderr
    # Each row waited for its camera image to be read: its plate is the one the database ended with.
    import sqlite3

    with sqlite3.connect(tmp_path / "garita.db") as db:
        for row in rows:
            plates = [v for (v,) in db.execute("SELECT r.value FROM reads r WHERE r.kind = 'plate' AND"
                                               " r.crossing_id LIKE ? ORDER BY r.id", (row.split()[1] + "%",))]
            assert row.split()[2] == (plates[0] if plates else "-"), (row, plates)


def test_a_tty_gets_the_live_table_and_the_logs_go_to_the_log_file(tmp_path):
    primary, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 80, 0, 0))  # an 80x30 terminal
    process = subprocess.Popen(mock_command(tmp_path), cwd=REPO, stdin=secondary, stdout=secondary,
                               stderr=secondary, env={**os.environ, "COLUMNS": "80", "LINES": "30"})
    os.close(secondary)
    output = b""
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        if select.select([primary], [], [], 0.5)[0]:
            try:
                output += os.read(primary, 65536)
            except OSError:
                break
    process.wait(timeout=30)
    os.close(primary)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", output.decode(errors="replace"))
    assert process.returncode == 0, text[-2000:]
    unfolded = "".join(text.split())  # the header folds at 80 columns where the temporary path is long
    assert f"logs→{tmp_path / 'garita.log'}·boothoff" in unfolded
    assert "recent crossings" in text and "advice" in text and "ovr" in text
    assert "event=" not in text
    assert "event=lane.ready" in (tmp_path / "garita.log").read_text()


@pytest.fixture
def decided(store):
    lifecycle = Lifecycle(store, "lane-t", 300)
    now = datetime.now(UTC)
    recorded = lifecycle.record_read(ReadIn("rfid-1", "rfid", "E2003411B802011512345678", {}, now))
    lifecycle.record_read(ReadIn("plate-cam", "plate", "ABC-123-D", {}, now), into=recorded.crossing_id)
    for number in ("L898902C3", "G12345678", "X9999999999999999999"):
        lifecycle.record_read(ReadIn("docs-1", "document", number, {}, now))
    lifecycle.decide(recorded.crossing_id, "secondary", "off-1", recommendation="release", reason="tip-off")
    return store, recorded.crossing_id


def test_the_table_fits_80_columns_with_every_column(decided):
    store, crossing_id = decided
    console = Console(width=80, record=True, force_terminal=True, color_system=None)
    view = LiveView(store, console=console, where="logs → /var/lib/garita/garita.log · booth http://127.0.0.1:8080/")
    console.print(view.render())
    lines = console.export_text().splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert "booth http://127.0.0.1:8080/" in lines[0]
    header = next(line for line in lines if line.startswith("time"))
    assert header.split() == ["time", "crossing", "plate", "documents", "advice", "decision", "ovr"]
    row = next(line for line in lines if crossing_id[:13] in line)
    assert "ABC-123-D" in row and "L898902C3" in row and "release" in row and "secondary" in row
    assert row.rstrip().endswith("yes")
    line = crossing_row(store, store.crossing(crossing_id)).line()
    assert len(line) <= 80 and "…" in line  # the long document list is cut, not wrapped


def vehicle_crossings(data_dir) -> dict[str, set[str]]:
    """For each scripted vehicle of the small scenario, the crossings holding its tag, scan or document."""
    import sqlite3

    from garita.hardware_mocks.scenario import load_scenario
    from garita.station.mock.scripted_officer import _carries

    with sqlite3.connect(data_dir / "garita.db") as db:
        reads = db.execute("SELECT crossing_id, kind, value FROM reads").fetchall()
    return {vehicle.id: {c for c, _kind, value in reads if _carries(vehicle, value)}
            for vehicle in load_scenario("small").vehicles}


def test_every_vehicle_at_speed_5_has_its_own_crossing_with_its_image(tmp_path):
    """Played 5 x fast (0.6 s at the booth each), every vehicle still gets its image and its plate (issue 19)."""
    import sqlite3

    from garita.hardware_mocks.scenario import load_scenario

    command = mock_command(tmp_path)
    command[command.index("3")] = "5"
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    found = vehicle_crossings(tmp_path)
    assert all(len(crossings) == 1 for crossings in found.values()), found
    owners = [next(iter(crossings)) for crossings in found.values()]
    assert len(set(owners)) == len(owners)
    def bare(plate: str) -> str:
        return "".join(ch for ch in plate if ch.isalnum())

    plates = {v.id: bare(v.plate) for v in load_scenario("small").vehicles}
    with sqlite3.connect(tmp_path / "garita.db") as db:
        for vehicle, crossing in zip(found, owners, strict=True):
            reads = db.execute("SELECT kind, value FROM reads WHERE crossing_id = ?", (crossing,)).fetchall()
            assert "image" in {kind for kind, _ in reads}, (vehicle, reads)
            # Its plate, read from its image, reached its crossing before the run ended (issue 19).
            assert plates[vehicle] in {bare(value) for kind, value in reads if kind == "plate"}, (vehicle, reads)
        assert db.execute("SELECT COUNT(*) FROM crossings").fetchone()[0] == len(owners)


def test_the_scripted_officer_waits_for_every_read_of_the_vehicle():
    from garita.hardware_mocks.scenario import load_scenario
    from garita.station.mock.scripted_officer import reads_in

    truck = next(v for v in load_scenario("small").vehicles if v.id == "truck-3")
    reads = [{"kind": "barcode", "value": "ABCD2403150001"}, {"kind": "image", "value": ""}]
    assert not reads_in(truck, reads)  # its FAST card's read is still on the way
    assert reads_in(truck, [*reads, {"kind": "rfid", "value": "3000214160C0040000006013"}])
    car = next(v for v in load_scenario("small").vehicles if v.id == "car-1")
    car_reads = [{"kind": "rfid", "value": "E2003411B802011512345678"}, {"kind": "document", "value": "L898902C3"}]
    assert not reads_in(car, car_reads)  # no camera image yet
    assert reads_in(car, [*car_reads, {"kind": "image", "value": ""}])
