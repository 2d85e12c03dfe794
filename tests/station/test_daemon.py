"""The asyncio core with dummy devices: reads become crossings, systemd is notified, crashes are contained."""

from __future__ import annotations

import asyncio
import contextlib
import io
import itertools
import logging
import socket
import subprocess
import threading
from pathlib import Path

import pytest

from garita.drivers.events import DeviceRead
from garita.station.config.lane_config import LaneConfig
from garita.station.core.daemon import LaneDaemon
from garita.station.ops.event_log import EventFormatter, log_event, setup_logging
from garita.station.ops.sdnotify import Notifier, watchdog_interval_s
from garita.station.wiring import wire_lane
from tests.station.dummy_devices import DummyDevice

CONFIG = LaneConfig.model_validate({
    "lane": {"id": "lane-t", "port_code": "2504", "direction": "northbound"},
    "lifecycle": {"idle_timeout_s": 5, "tick_s": 0.05},
    "booth": {"enabled": False},  # these tests need no screen and open no port
})


def run_until(lane: LaneDaemon, condition, timeout: float = 10) -> int:
    async def main() -> int:
        async def watch():
            for _ in range(int(timeout / 0.02)):
                if condition():
                    break
                await asyncio.sleep(0.02)
            lane.request_stop("test")
        runner = asyncio.create_task(lane.run())
        await asyncio.sleep(0)
        watcher = asyncio.create_task(watch())
        code = await runner
        watcher.cancel()
        return code
    return asyncio.run(main())


def test_reads_from_devices_become_one_crossing_with_images(store, data_dir: Path):
    reads = [DeviceRead("cam", "image", "", image=b"\xff\xd8fakejpeg\xff\xd9"),
             DeviceRead("rfid-1", "rfid", "E2003411B802011512345678", {"antenna": 0})]
    lane = LaneDaemon(CONFIG, data_dir, store, [DummyDevice("cam", reads[:1]), DummyDevice("rfid-1", reads[1:])])
    code = run_until(lane, lambda: lane.stats.reads == 2)
    assert code == 0
    crossings = store.query("SELECT * FROM crossings")
    assert len(crossings) == 1
    stored = store.reads_of(crossings[0]["id"])
    assert {r["kind"] for r in stored} == {"image", "rfid"}
    image = next(r for r in stored if r["kind"] == "image")
    assert (data_dir / image["image_path"]).read_bytes() == reads[0].image


def test_a_crashing_driver_is_restarted_and_the_lane_keeps_going(store, data_dir):
    device = DummyDevice("rfid-1", [DeviceRead("rfid-1", "rfid", "E1")], crash_first=True)
    lane = LaneDaemon(CONFIG, data_dir, store, [device])
    run_until(lane, lambda: lane.stats.reads == 1)
    assert device.runs == 2 and lane.stats.reads == 1


def test_bad_read_is_counted_not_fatal(store, data_dir):
    class Unserialisable:
        pass

    reads = [DeviceRead("x", "rfid", "E1", {"bad": Unserialisable()}), DeviceRead("x", "rfid", "E2")]
    # json default=str makes even odd data storable; force a failure with a value that breaks SQLite.
    reads[0] = DeviceRead("x", "rfid", None, {})  # type: ignore[arg-type]
    lane = LaneDaemon(CONFIG, data_dir, store, [DummyDevice("x", reads)])
    run_until(lane, lambda: lane.stats.reads + lane.stats.reads_failed == 2)
    assert lane.stats.reads_failed == 1 and lane.stats.reads == 1


def test_idle_crossing_is_flagged_by_the_ticker(store, data_dir):
    config = CONFIG.model_copy(update={"lifecycle": CONFIG.lifecycle.model_copy(update={"idle_timeout_s": 5})})
    lane = LaneDaemon(config, data_dir, store, [DummyDevice("x", [DeviceRead("x", "rfid", "E1")])])
    lane.lifecycle.idle_timeout = lane.lifecycle.idle_timeout / 50  # 0.1 s, without waiting 5 s
    run_until(lane, lambda: lane.stats.flagged == 1)
    assert store.crossings_in_state("flagged_idle")


def test_systemd_notify_ready_watchdog_stopping(store, data_dir, tmp_path, monkeypatch):
    address = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(address)
    sock.settimeout(0.5)
    messages: list[str] = []

    def listen() -> None:  # drain like systemd does, so the lane's non-blocking sends are not dropped
        with contextlib.suppress(TimeoutError):
            while True:
                messages.append(sock.recv(4096).decode())

    listener = threading.Thread(target=listen)
    listener.start()
    monkeypatch.setenv("WATCHDOG_USEC", "100000")
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    assert watchdog_interval_s() == 0.05
    lane = LaneDaemon(CONFIG, data_dir, store, [], notifier=Notifier(address))
    run_until(lane, lambda: False, timeout=0.4)
    listener.join()
    sock.close()
    assert messages[0].startswith("READY=1\nSTATUS=lane lane-t running")
    assert sum(m == "WATCHDOG=1" for m in messages) >= 3
    assert messages[-1].startswith("STOPPING=1")


def test_notifier_is_a_no_op_without_systemd(monkeypatch):
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert Notifier().ready("x") is False
    monkeypatch.delenv("WATCHDOG_USEC", raising=False)
    assert watchdog_interval_s() is None


def test_log_lines_are_key_value_or_json():
    stream = io.StringIO()
    setup_logging("kv", "info", stream)
    log_event(logging.getLogger("t"), "crossing.opened", crossing="c1", note="two words")
    line = stream.getvalue().strip()
    assert line.endswith('event=crossing.opened crossing=c1 note="two words"')
    formatter = EventFormatter("json")
    record = logging.LogRecord("t", logging.INFO, "", 0, "x", (), None)
    assert '"event": "x"' in formatter.format(record)


class _Ticks:
    """A plugin that counts core ticks (the uplink and the status file run there)."""

    def __init__(self) -> None:
        self.ticks = 0

    async def tick(self) -> None:
        self.ticks += 1

    async def aclose(self) -> None:
        pass


def test_a_flooding_device_loses_only_its_own_excess(store, data_dir):
    flood = [DeviceRead("scan", "barcode", f"JUNK{i}") for i in range(5000)]
    flooder = DummyDevice("scan", flood)
    quiet = DummyDevice("rfid-1", [DeviceRead("rfid-1", "rfid", "E2003411B802011512345678")])
    wired = wire_lane(CONFIG, data_dir, store, [flooder, quiet])  # the lane as it runs: risk engine, metrics
    lane, ticks = wired.daemon, _Ticks()
    wired.hooks.add_plugin(ticks)

    def settled() -> bool:
        recorded = store.query("SELECT COUNT(*) AS n FROM reads WHERE device = 'scan'")[0]["n"]
        return not flooder.reads and recorded + flooder.health.reads_dropped == 5000

    assert run_until(lane, settled, timeout=60) == 0
    rfid = store.query("SELECT * FROM reads WHERE device = 'rfid-1'")
    recorded = store.query("SELECT COUNT(*) AS n FROM reads WHERE device = 'scan'")[0]["n"]
    assert len(rfid) == 1  # the other device's read is never lost behind the flood
    assert flooder.health.reads_dropped > 0 and recorded + flooder.health.reads_dropped == 5000
    assert quiet.health.reads_dropped == 0 and ticks.ticks > 0


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MB tmpfs (root may mount one; elsewhere the test is skipped)."""
    mount = tmp_path / "small"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(path: Path) -> None:
    """Another program fills the disk to the last byte."""
    with contextlib.suppress(OSError), open(path, "wb") as filler:
        while True:
            filler.write(b"\0" * 4096)
            filler.flush()


def test_a_full_disk_sheds_images_and_holds_reads_until_space_returns(small_disk):
    """Issue 17 row 8: the disk fills for real, then space returns; nothing lost, each crossing its own."""
    from garita.station.core.disk_budget import DiskBudget
    from garita.station.storage.database import open_database
    from garita.station.storage.lane_store import LaneStore

    data_dir = small_disk / "data"
    store = LaneStore(open_database(data_dir))
    no_vision = CONFIG.model_copy(update={"vision": CONFIG.vision.model_copy(update={"enabled": False})})
    lane = LaneDaemon(no_vision, data_dir, store, [])
    lane.disk = DiskBudget(data_dir, 1, 30, clock=itertools.count().__next__)  # fresh free space each time
    jpeg = b"\xff\xd8" + b"j" * 20_000 + b"\xff\xd9"
    lane.handle_read(DeviceRead("cam", "image", "", image=jpeg))
    lane.handle_read(DeviceRead("rfid-1", "rfid", "E1"))
    first = store.query("SELECT crossing_id FROM reads")[0]["crossing_id"]
    lane.decide(first, "release", "us-1", "routine")
    _fill(small_disk / "filler")
    lane.handle_read(DeviceRead("cam", "image", "", image=jpeg))
    for n in range(2, 40):
        lane.handle_read(DeviceRead("rfid-1", "rfid", f"E{n}"))
    asyncio.run(lane.tick())  # still full: nothing retried, nothing lost
    held = lane.stats.reads_held
    assert held >= 30 and lane.stats.images_shed == 1 and lane.stats.reads_lost == 0
    (small_disk / "filler").unlink()
    asyncio.run(lane.tick())
    print(f"\nfull disk: {held} reads held in memory, {lane.stats.reads_retried} stored when space returned,"
          f" {lane.stats.images_shed} image shed")
    assert lane.stats.reads_held == 0 and lane.stats.reads_lost == 0 and lane.stats.reads_failed == 0
    crossings = store.query("SELECT crossing_id, COUNT(*) AS n FROM reads GROUP BY crossing_id ORDER BY crossing_id")
    assert [c["n"] for c in crossings] == [2, 39] and crossings[0]["crossing_id"] == first  # each its own
    shed = store.query("SELECT data FROM reads WHERE kind = 'image' AND image_path IS NULL")
    assert len(shed) == 1 and '"image_shed":true' in shed[0]["data"]
    store.db.conn.close()


def test_images_past_their_retention_are_deleted(data_dir):
    from datetime import UTC, datetime

    from garita.station.core.disk_budget import DiskBudget

    old, kept = data_dir / "images/2020/01/02", data_dir / "images/2099/01/01"
    for day in (old, kept):
        day.mkdir(parents=True)
        (day / "a.jpg").write_bytes(b"x")
    budget = DiskBudget(data_dir, 1, 30)
    assert budget.sweep(datetime(2026, 12, 3, tzinfo=UTC)) == 1
    assert not old.exists() and (kept / "a.jpg").exists() and budget.images_expired == 1
