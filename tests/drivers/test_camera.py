"""Camera driver against a local MJPEG http server, plus a corrupt image file."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cv2
import numpy as np
import pytest

from garita.drivers.camera import Camera
from garita.drivers.motion_trigger import MotionTrigger, thumbnail


def _background() -> np.ndarray:
    img = np.full((180, 320, 3), 90, np.uint8)
    cv2.line(img, (0, 150), (320, 150), (255, 255, 255), 3)  # lane marking
    return img


def _vehicle() -> np.ndarray:
    img = _background()
    cv2.rectangle(img, (60, 50), (260, 160), (25, 25, 40), -1)  # dark car body
    cv2.putText(img, "ABC123", (90, 120), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (255, 255, 255), 2)
    return img


class MjpegServer:
    """Serves the current image as multipart/x-mixed-replace at ~25 fps."""

    def __init__(self) -> None:
        self.jpeg = cv2.imencode(".jpg", _background())[1].tobytes()
        self.stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
                self.end_headers()
                try:
                    while not server.stop.is_set():
                        jpeg = server.jpeg
                        self.wfile.write(b"--frame\r\nContent-Type: image/jpeg\r\n"
                                         b"Content-Length: %d\r\n\r\n" % len(jpeg) + jpeg + b"\r\n")
                        time.sleep(0.04)
                except OSError:
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05})
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/x.mjpg"

    def show(self, img: np.ndarray) -> None:
        self.jpeg = cv2.imencode(".jpg", img)[1].tobytes()

    def close(self) -> None:
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture
def mjpeg() -> MjpegServer:
    server = MjpegServer()
    yield server
    server.close()


def test_motion_trigger_fires_once_and_rearms() -> None:
    t = MotionTrigger(threshold=12, settle_frames=3)
    bg, car = thumbnail(_background()), thumbnail(_vehicle())
    fired = [t.update(x) for x in [bg] * 5 + [car] * 8 + [bg] * 5 + [car] * 5]
    assert sum(fired) == 2 and t.background is not None


def test_one_frame_of_the_empty_lane_between_back_to_back_vehicles_rearms() -> None:
    t = MotionTrigger(threshold=12, settle_frames=3)
    bg, car = thumbnail(_background()), thumbnail(_vehicle())
    fired = [t.update(x) for x in [bg] * 5 + [car] * 8]
    assert sum(fired) == 1 and not t.take_departure()
    assert not t.update(bg) and t.take_departure()  # the lane was seen empty for one frame: the car left
    assert sum(t.update(x) for x in [car] * 5) == 1  # the next vehicle gets its own image


def test_a_frame_only_just_under_the_threshold_needs_settle_frames_to_count_as_empty() -> None:
    t = MotionTrigger(threshold=12, settle_frames=3)
    bg, car = thumbnail(_background()), thumbnail(_vehicle())
    marginal = bg + 9.0  # under the threshold, but not the empty lane (a car half out of view)
    fired = [t.update(x) for x in [bg] * 5 + [car] * 8 + [marginal] * 2 + [car] * 5]
    assert sum(fired) == 1 and not t.take_departure()
    assert not any(t.update(x) for x in [marginal] * 3) and t.take_departure()


def test_camera_emits_exactly_one_image_for_a_vehicle(mjpeg, run_device) -> None:
    cam = Camera("cam-1", mjpeg.url, {"settle_frames": 3})
    run = run_device(cam)
    assert run.wait_for(lambda: cam.health.frames_ok >= 10, 8), cam.health
    assert run.reads == []
    shot = cam.snapshot()
    assert shot is not None and shot[0][:2] == b"\xff\xd8"
    mjpeg.show(_vehicle())
    reads = run.wait_reads(1)
    assert run.wait_for(lambda: cam.health.frames_ok >= 30, 5)
    assert len(run.reads) == 1
    read = reads[0]
    assert read.kind == "image" and read.image[:2] == b"\xff\xd8"
    assert (read.data["width"], read.data["height"], read.data["trigger"]) == (320, 180, "motion")
    assert read.data["fps"] > 5 and cam.fps > 5
    assert run.close() < 0.6


def test_camera_interval_trigger(mjpeg, run_device) -> None:
    cam = Camera("cam-2", mjpeg.url, {"trigger": "interval", "interval_s": 0.2})
    run = run_device(cam)
    reads = run.wait_reads(2, 8)
    assert all(r.data["trigger"] == "interval" for r in reads)
    run.close()


def test_corrupt_image_file_records_error(tmp_path, run_device) -> None:
    bad = tmp_path / "lane.jpg"
    bad.write_bytes(b"\xff\xd8 this is not really a jpeg")
    cam = Camera("cam-3", str(bad))
    run = run_device(cam)
    assert run.wait_for(lambda: cam.health.last_error is not None, 5)
    assert not cam.health.connected and run.reads == []
    assert run.close() < 1.0
    missing = Camera("cam-4", str(tmp_path / "nope.mp4"))
    run2 = run_device(missing)
    assert run2.wait_for(lambda: "does not exist" in (missing.health.last_error or ""), 2)
    run2.close()
