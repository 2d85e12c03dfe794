"""Camera images become plate reads of the same crossing, with real models on a real photo."""

from __future__ import annotations

import pytest

from drivers.events import DeviceRead
from station.config import LaneConfig
from station.daemon import LaneDaemon
from tests.conftest import shared_path
from tests.station.dummy_devices import DummyDevice
from tests.station.test_daemon import run_until

CONFIG = LaneConfig.model_validate({
    "lane": {"id": "lane-v", "port_code": "2504", "direction": "northbound"},
    "lifecycle": {"idle_timeout_s": 60, "tick_s": 0.05},
    "vision": {"regions": ["br"]},
    "booth": {"enabled": False},
})


def _photo() -> tuple[bytes, str]:
    folder = shared_path("datasets/plates/br")
    labels = sorted(folder.glob("*.txt"))
    if not labels:
        pytest.fail(f"no labelled photos (*.txt) in {folder}")
    fields = labels[0].read_text().split()
    return (labels[0].parent / fields[0]).read_bytes(), fields[-1]


def test_plate_read_joins_the_image_crossing(store, data_dir):
    jpeg, plate = _photo()
    reads = [DeviceRead("cam", "image", "", image=jpeg), DeviceRead("cam", "image", "", image=b"\xff\xd8broken")]
    lane = LaneDaemon(CONFIG, data_dir, store, [DummyDevice("cam", reads)])
    run_until(lane, lambda: store.query("SELECT 1 FROM reads WHERE kind = 'plate'") != [] and
              lane.recognition.failures == 1, timeout=60)
    (crossing,) = store.query("SELECT id FROM crossings")
    plates = [r for r in store.reads_of(crossing["id"]) if r["kind"] == "plate"]
    if plates[0]["value"] != plate:
        pytest.fail(f"read {plates[0]['value']!r}, label {plate!r}")
    data = plates[0]["data"]
    assert data["candidates"][0]["text"] == plate and data["confidence"] > 0.5
    image_read = next(r for r in store.reads_of(crossing["id"]) if r["kind"] == "image")
    assert data["image_read_id"] == image_read["id"] and plates[0]["image_path"] == image_read["image_path"]
    assert lane.recognition.failures == 1  # the broken frame is counted; the lane went on
