"""Camera images become plate reads of the same crossing, with real models on a real photo."""

from __future__ import annotations

import pytest

from garita.drivers.events import DeviceRead
from garita.station.config.lane_config import LaneConfig
from garita.station.core.daemon import LaneDaemon
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


def test_plates_are_read_from_the_frame_in_memory_not_from_the_stored_jpeg(store, data_dir):
    import cv2
    import numpy as np

    jpeg, plate = _photo()
    frame = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    # The evidence bytes are not a decodable image: a plate read can only have come from the frame.
    reads = [DeviceRead("cam", "image", "", image=b"\xff\xd8not-decodable\xff\xd9", frame=frame)]
    lane = LaneDaemon(CONFIG, data_dir, store, [DummyDevice("cam", reads)])
    run_until(lane, lambda: store.query("SELECT 1 FROM reads WHERE kind = 'plate'") != [], timeout=60)
    (crossing,) = store.query("SELECT id FROM crossings")
    stored = store.reads_of(crossing["id"])
    assert [r["value"] for r in stored if r["kind"] == "plate"][:1] == [plate]
    image_read = next(r for r in stored if r["kind"] == "image")
    assert (data_dir / image_read["image_path"]).read_bytes() == reads[0].image  # the evidence is kept as sent
    assert lane.recognition.failures == 0


def test_a_backlog_of_frames_hands_the_worker_jpegs_not_more_decoded_frames():
    import asyncio
    import threading

    import numpy as np

    from garita.station.core.recognition import MAX_FRAMES_WAITING, ImageRecognition

    release, seen = threading.Event(), []

    class SlowRecognizer:
        def read_plates(self, image):
            seen.append(image.shape)
            release.wait(10)
            return []

    recognition = ImageRecognition(CONFIG.vision, recognizer_factory=SlowRecognizer)
    jpeg = _photo()[0]
    frame = np.zeros((600, 800, 3), np.uint8)  # not the photo's size

    async def main():
        futures = [recognition.start(jpeg, "cam", frame) for _ in range(MAX_FRAMES_WAITING + 3)]
        assert recognition.frames_waiting == MAX_FRAMES_WAITING  # the other 3 wait as JPEG bytes
        release.set()
        await asyncio.gather(*futures)

    asyncio.run(main())
    recognition.close()
    assert recognition.frames_waiting == 0 and len(seen) == MAX_FRAMES_WAITING + 3
    assert seen.count((600, 800, 3)) == MAX_FRAMES_WAITING  # the rest were the JPEGs, decoded
