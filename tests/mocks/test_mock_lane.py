"""MockLane playing the built-in "small" scenario at speed 4, observed through real bytes."""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest

from garita.hardware_mocks.mock_lane import MockLane, vehicle_image
from garita.hardware_mocks.pty_port import GARBAGE
from garita.hardware_mocks.scenario import load_scenario
from tests.mocks.serial_helpers import read_for, read_until

EXPECTED = [
    ("arrive", "car-1"), ("rfid_in", "car-1"), ("document", "car-1"), ("depart", "car-1"),
    ("arrive", "pickup-2"), ("document", "pickup-2"), ("depart", "pickup-2"),
    ("arrive", "truck-3"), ("rfid_in", "truck-3"), ("fault", None), ("scan", "truck-3"),
    ("depart", "truck-3"),
]  # fmt: skip


def wait_for_event(lane: MockLane, kind: str, vehicle_id: str, timeout: float = 10.0) -> bool:
    """True once the lane has logged ``kind`` for ``vehicle_id`` (polled; no fixed sleep)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(e.kind == kind and e.vehicle_id == vehicle_id for e in lane.events_log):
            return True
        time.sleep(0.01)
    return False


def assert_paced_by_the_timeline(lane: MockLane, t0: datetime) -> None:
    """Every step ran in timeline order and none before its compressed time (12 s at speed 4 = 3 s).

    Only the lower bound is behaviour: a loaded machine may run a step late, never early, so there
    is no upper wall-clock bound here.
    """
    planned = [real for real, _ in lane.timeline()]
    ran = [(e.wall - t0).total_seconds() for e in lane.events_log]
    assert len(ran) == len(planned)
    assert ran == sorted(ran)
    early = [(p, r) for p, r in zip(planned, ran, strict=True) if r < p - 0.02]
    assert not early, f"steps ran before their time (planned, ran): {early}"
    assert planned[-1] >= 12 / 4 - 0.01


@pytest.fixture
def lane(tmp_path: Path):
    mock = MockLane(load_scenario("small"), tmp_path, speed=4)
    mock.start()
    yield mock
    mock.stop()


def test_endpoints(lane: MockLane, tmp_path: Path) -> None:
    eps = lane.endpoints
    assert set(eps) == {"plate-cam", "rfid-1", "scanner-1", "docs-1"}
    assert eps["plate-cam"].startswith("http://127.0.0.1:") and eps["plate-cam"].endswith(".mjpg")
    for name in ("rfid-1", "scanner-1", "docs-1"):
        assert eps[name] == str(tmp_path / "dev" / name)
        assert os.readlink(eps[name]).startswith("/dev/pts/")


def test_play_small(lane: MockLane, open_serial) -> None:
    rfid = open_serial(lane.endpoints["rfid-1"])
    scanner = open_serial(lane.endpoints["scanner-1"])
    stop = threading.Event()
    player = threading.Thread(target=lane.play, args=(stop,))
    t0 = datetime.now(UTC)
    player.start()
    try:
        # Wait on the event (car-1's tags entering the field), not on a guess at when it comes.
        assert wait_for_event(lane, "rfid_in", "car-1"), lane.events_log
        rfid.write(b"\x01get TagList\r\n")
        assert read_until(rfid, b"\x00").startswith(b"Tag:E200 3411 B802 0115 1234 5678, Disc:")
        cap = cv2.VideoCapture(lane.endpoints["plate-cam"])
        ok, frame = cap.read()
        cap.release()
        assert ok and frame.shape == (720, 1280, 3)
        scan = read_until(scanner, b"\r", timeout=4)
    finally:
        player.join(timeout=10)
    assert not player.is_alive()
    assert scan == GARBAGE + b"]C0ABCD2403150001\r"
    assert [(e.kind, e.vehicle_id) for e in lane.events_log] == EXPECTED
    assert_paced_by_the_timeline(lane, t0)
    rfid.write(b"\x01get TagList\r\n")
    assert read_until(rfid, b"\x00") == b"(No Tags)\r\n\x00"  # everyone left

    by_id = {e.vehicle_id: e.wall for e in lane.events_log if e.kind == "arrive"}
    assert lane.vehicle_at(t0 - timedelta(seconds=1)) is None
    assert lane.vehicle_at(by_id["car-1"] + timedelta(seconds=0.2)).id == "car-1"
    assert lane.vehicle_at(by_id["pickup-2"] + timedelta(seconds=0.5)).id == "pickup-2"
    departed = next(e.wall for e in lane.events_log if e.kind == "depart")
    assert lane.vehicle_at(departed + timedelta(seconds=0.2)).id == "car-1"  # grace period
    assert lane.vehicle_at(datetime.now(UTC) + timedelta(hours=1)).id == "truck-3"


def test_documents_arrive_framed(lane: MockLane, open_serial) -> None:
    docs = open_serial(lane.endpoints["docs-1"])
    stop = threading.Event()
    player = threading.Thread(target=lane.play, args=(stop,))
    player.start()
    try:
        block = read_until(docs, b"\x03", timeout=3) + read_for(docs, 0.05)
    finally:
        stop.set()
        player.join(timeout=5)
    assert block.startswith(b"\x01") and block[3:7] == b"OU\x020"
    assert b"\rL898902C36UTO7408122F1204159ZE184226B<<<<<10\r\x03" in block
    assert len(lane.events_log) < len(EXPECTED)  # stop ended the play early


def test_unplug_replug_faults_keep_path(lane: MockLane) -> None:
    path = lane.endpoints["scanner-1"]
    before = os.readlink(path)
    lane.inject("scanner-1", "unplug")
    assert not os.path.exists(path)
    lane.inject("scanner-1", "replug")
    assert os.readlink(path).startswith("/dev/pts/") and os.path.islink(path)
    assert before.startswith("/dev/pts/")


def test_tcp_rfid_endpoint(tmp_path: Path) -> None:
    with MockLane(load_scenario("small"), tmp_path, tcp_rfid=True) as lane:
        assert lane.endpoints["rfid-1"].startswith("socket://127.0.0.1:")
        assert not (tmp_path / "dev" / "rfid-1").exists()
    assert not (tmp_path / "dev" / "scanner-1").exists()  # stop() cleaned up


def test_vehicle_photo_or_synthetic_fallback(tmp_path: Path, caplog) -> None:
    scenario = load_scenario("small")
    photo = tmp_path / "photo.png"
    cv2.imwrite(str(photo), np.full((40, 60, 3), 200, np.uint8))
    with_photo = scenario.vehicles[0].model_copy(update={"plate_image": str(photo)})
    assert vehicle_image(with_photo, scenario).shape == (40, 60, 3)
    missing = scenario.vehicles[0].model_copy(update={"plate_image": "no/such.jpg"})
    assert vehicle_image(missing, scenario).shape == (720, 1280, 3)
    assert "drawing a synthetic vehicle" in caplog.text
