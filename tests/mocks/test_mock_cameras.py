"""MJPEG camera over HTTP (read with cv2 and raw sockets) and the file camera."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from garita.hardware_mocks.file_camera import FileCamera
from garita.hardware_mocks.mjpeg_camera import MjpegCamera
from garita.hardware_mocks.synthetic_images import vehicle_with_plate


@pytest.fixture
def camera():
    cam = MjpegCamera(fps=20)
    cam.start()
    yield cam
    cam.stop()


def open_stream(cam: MjpegCamera) -> tuple[socket.socket, bytes]:
    """Raw HTTP GET of the stream; returns the socket and the response head."""
    sock = socket.create_connection(("127.0.0.1", cam.port), timeout=2)
    sock.sendall(b"GET /stream.mjpg HTTP/1.1\r\nHost: x\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(4096)
    return sock, data


def recv_for(sock: socket.socket, seconds: float) -> bytes:
    """Everything received within ``seconds`` (b'' also when the peer closed)."""
    sock.settimeout(0.05)
    data, deadline = b"", time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            continue
        if not chunk:
            break
        data += chunk
    return data


def test_opencv_reads_the_stream(camera) -> None:
    assert camera.url.startswith("http://127.0.0.1:") and camera.url.endswith("/stream.mjpg")
    camera.show(vehicle_with_plate("8XYZ123", seed=1))
    cap = cv2.VideoCapture(camera.url)
    try:
        ok, frame = cap.read()
        assert ok and frame.shape == (720, 1280, 3)
    finally:
        cap.release()


def test_stream_headers_and_current_image(camera) -> None:
    red = np.zeros((48, 64, 3), np.uint8)
    red[:] = (0, 0, 255)
    camera.show(red)
    sock, head = open_stream(camera)
    with sock:
        assert b"multipart/x-mixed-replace; boundary=frame" in head
        body = recv_for(sock, 0.4)
    assert body.count(b"--frame\r\nContent-Type: image/jpeg\r\n") >= 2
    start = body.index(b"\xff\xd8")
    img = cv2.imdecode(np.frombuffer(body[start : body.index(b"\xff\xd9", start) + 2], np.uint8), 1)
    assert img.shape == (48, 64, 3) and img[24, 32, 2] > 200


def test_freeze_resume_and_drop(camera) -> None:
    sock, _ = open_stream(camera)
    with sock:
        camera.freeze()
        recv_for(sock, 0.15)  # drain frames already in flight
        assert recv_for(sock, 0.3) == b""  # connection open, nothing sent
        camera.resume()
        assert b"--frame" in recv_for(sock, 0.3)
        camera.drop()
        recv_for(sock, 0.5)
        sock.settimeout(1)
        assert sock.recv(65536) == b""  # closed by the camera
    sock2, head = open_stream(camera)  # new clients are welcome after a drop
    with sock2:
        assert b"200" in head.split(b"\r\n")[0]


def test_file_camera_writes_jpeg(tmp_path: Path) -> None:
    cam = FileCamera(tmp_path / "cam" / "current.jpg")
    cam.show_background()
    assert cv2.imread(cam.endpoint).shape == (720, 1280, 3)
    cam.show(np.full((10, 20, 3), 255, np.uint8))
    assert cv2.imread(cam.endpoint).shape == (10, 20, 3)
