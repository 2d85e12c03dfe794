"""Background thread that opens an OpenCV capture and keeps only the newest frame."""

from __future__ import annotations

import threading
import time
from datetime import datetime

import cv2
import numpy as np

from garita.drivers.events import utc_now

OPEN_TIMEOUT_MS = 3000
READ_TIMEOUT_MS = 1000


class FrameGrabber:
    """One capture session: open, read until stopped or the stream ends."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.error: str | None = None
        self.ended = False
        self.fps = 0.0
        self.frames = 0
        self._lock = threading.Lock()
        self._frame: tuple[np.ndarray, datetime, int] | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"grab:{source}", daemon=True)

    def start(self) -> None:
        """Start reading in the background."""
        self._thread.start()

    def stop(self, wait_s: float = 0.3) -> None:
        """Ask the thread to finish; a read stuck in FFmpeg ends on its own timeout."""
        self._stop.set()
        self._thread.join(wait_s)

    def newest(self) -> tuple[np.ndarray, datetime, int] | None:
        """(frame, captured_at, sequence number) of the newest frame, if any."""
        with self._lock:
            return self._frame

    def _open(self) -> cv2.VideoCapture | None:
        params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, OPEN_TIMEOUT_MS,
                  cv2.CAP_PROP_READ_TIMEOUT_MSEC, READ_TIMEOUT_MS]
        cap = cv2.VideoCapture(self.source, cv2.CAP_ANY, params)
        if not cap.isOpened():
            cap.release()
            self.error, self.ended = f"cannot open video source {self.source}", True
            return None
        return cap

    def _run(self) -> None:
        try:
            cap = self._open()
        except cv2.error as exc:
            self.error, self.ended = f"cannot open video source {self.source}: {exc}", True
            return
        if cap is None:
            return
        try:
            self._read_loop(cap)
        except cv2.error as exc:
            self.error = f"capture error on {self.source}: {exc}"
        finally:
            cap.release()
            self.ended = True

    def _read_loop(self, cap: cv2.VideoCapture) -> None:
        last = None
        while not self._stop.is_set():
            ok, frame = cap.read()
            if not ok or frame is None:
                self.error = self.error or f"stream {self.source} ended or gave no frame"
                return
            now = time.monotonic()
            if last is not None and now > last:
                # Smoothed rate: stable enough to show, quick enough to see a drop.
                rate = 1.0 / (now - last)
                self.fps = rate if self.fps == 0 else 0.9 * self.fps + 0.1 * rate
            last = now
            with self._lock:
                self.frames += 1
                self._frame = (frame, utc_now(), self.frames)
