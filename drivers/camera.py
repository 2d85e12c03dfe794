"""OpenCV camera driver: newest-frame capture, snapshots and a motion/interval trigger."""

from __future__ import annotations

import os
import threading
import time
from datetime import datetime

import cv2
import numpy as np

from garita.drivers.backoff import Backoff
from garita.drivers.camera_options import CameraOptions
from garita.drivers.driver_options import OptionsInput
from garita.drivers.events import DeviceHealth, DeviceRead, Emit
from garita.drivers.frame_grabber import FrameGrabber
from garita.drivers.motion_trigger import MotionTrigger, thumbnail

TICK_S = 0.05


def encode_jpeg(frame: np.ndarray, quality: int = 85) -> bytes:
    """JPEG bytes of a BGR frame."""
    ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return buf.tobytes()


def _is_local_path(source: str) -> bool:
    return "://" not in source


class Camera:
    """Camera on an http MJPEG / rtsp URL, /dev/videoN or a video or image file.

    Options: trigger ("motion" | "interval"), motion_threshold (12.0, mean abs diff
    0-255), settle_frames (3), interval_s (2.0), stall_s (3.0), jpeg_quality (85),
    stable_threshold (4.0: frame-to-frame diff still counted as a still scene);
    see drivers/camera_options.py.
    """

    def __init__(self, name: str, source: str, options: OptionsInput = None) -> None:
        self.name, self.source, self.options = name, source, CameraOptions.parse(name, options)
        self.health = DeviceHealth()
        self.backoff = Backoff()
        self._grabber: FrameGrabber | None = None
        self._last_seq = 0
        self._next_interval = 0.0
        # One trigger for the device's life, not per stream session: after a reconnect the
        # learned empty lane and "this vehicle was already reported" must survive, or a
        # vehicle in view at reconnect becomes the background and its departure fires.
        opts = self.options
        self._trigger = MotionTrigger(opts.motion_threshold, opts.settle_frames, opts.stable_threshold)

    @property
    def fps(self) -> float:
        """Measured frame rate of the current stream (0 when down)."""
        grabber = self._grabber
        return round(grabber.fps, 2) if grabber and not grabber.ended else 0.0

    def snapshot(self) -> tuple[bytes, datetime] | None:
        """JPEG of the newest frame and when it was captured, or None without a frame."""
        grabber = self._grabber
        newest = grabber.newest() if grabber else None
        if newest is None:
            return None
        return encode_jpeg(newest[0], self.options.jpeg_quality), newest[1]

    def run(self, emit: Emit, stop: threading.Event) -> None:
        """Capture until stop is set; reconnects with backoff on stalls and stream ends."""
        while not stop.is_set():
            if _is_local_path(self.source) and not os.path.exists(self.source):
                self.health.mark_disconnected(f"video source {self.source} does not exist")
            else:
                self._session(emit, stop)
            if not stop.is_set() and self.backoff.wait(stop):
                break
        self.health.connected = False

    def _session(self, emit: Emit, stop: threading.Event) -> None:
        grabber = FrameGrabber(self.source)
        self._grabber, self._last_seq = grabber, 0
        trigger = self._trigger
        grabber.start()
        last_frame = time.monotonic()
        try:
            while not stop.wait(TICK_S):
                newest = grabber.newest()
                if newest is not None and newest[2] != self._last_seq:
                    last_frame = time.monotonic()
                    self._on_frame(newest, trigger, emit)
                if grabber.ended:
                    self._lost(grabber.error or "stream ended")
                    return
                if time.monotonic() - last_frame > self.options.stall_s:
                    self._lost(f"no frame for {self.options.stall_s} s (stalled)")
                    return
        finally:
            grabber.stop()

    def _lost(self, error: str) -> None:
        # Counts a reconnect only if the stream had been delivering frames.
        self.health.mark_disconnected(error)

    def _on_frame(self, newest: tuple[np.ndarray, datetime, int], trigger: MotionTrigger,
                  emit: Emit) -> None:
        frame, at, seq = newest
        if self._last_seq == 0:
            self.health.mark_connected()
            self.backoff.reset()
        self._last_seq = seq
        self.health.frame_ok()
        if self.options.trigger == "motion":
            if trigger.update(thumbnail(frame)):
                self._emit_frame(frame, at, "motion", emit)
            elif trigger.take_departure():  # the lane is empty again: the vehicle left
                emit(DeviceRead(self.name, "presence", "left", {"source": "motion"}, at=at))
        elif time.monotonic() >= self._next_interval:
            self._next_interval = time.monotonic() + self.options.interval_s
            self._emit_frame(frame, at, "interval", emit)

    def _emit_frame(self, frame: np.ndarray, at: datetime, why: str, emit: Emit) -> None:
        height, width = frame.shape[:2]
        data = {"width": width, "height": height, "trigger": why, "fps": self.fps}
        jpeg = encode_jpeg(frame, self.options.jpeg_quality)
        emit(DeviceRead(self.name, "image", "", data, at=at, image=jpeg, frame=frame))
