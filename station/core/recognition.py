"""Plates and container codes read from each camera image, off the event loop, into its crossing.

Recognition takes a fraction of a second of CPU per frame, so it runs on one worker thread
(onnxruntime uses the cores itself); the daemon keeps taking reads meanwhile. It reads the frame
in memory (the camera's decoded frame, or the read's JPEG bytes decoded here): it starts before
the JPEG evidence is written and synced, and never reads the file back. The models load
on first use so the lane is ready at once; if they cannot load, the lane runs on without them
and says so once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import numpy as np

from garita.station.config.lane_config import VisionSection
from garita.station.ops.event_log import log_event

if TYPE_CHECKING:  # the models load on first use: vision is imported then, not with the lane
    from garita.vision import ContainerRead, PlateRead, Recognizer

log = logging.getLogger("garita.vision")

Found = tuple[str, str, dict[str, Any]]
# A decoded 1080p frame is ~6 MB against ~0.3 MB of JPEG: beyond this backlog, the worker gets the JPEG.
MAX_FRAMES_WAITING = 4


def _candidates(read: PlateRead | ContainerRead) -> list[dict[str, Any]]:
    return [{"text": c.text, "confidence": round(c.confidence, 4), "format": c.format,
             "char_confidences": [round(x, 3) for x in c.char_confidences]} for c in read.candidates[:5]]


def plate_fields(read: PlateRead | ContainerRead) -> dict[str, Any]:
    """A vision PlateRead as stored with the read: ranked candidates (watchlist uses them), box."""
    return {"candidates": _candidates(read), "confidence": round(read.confidence, 4),
            "box": [list(point) for point in read.box]}


def container_fields(read: ContainerRead) -> dict[str, Any]:
    """A vision ContainerRead as stored: candidates, check digit status, size-type code."""
    return {**plate_fields(read), "check_digit_valid": read.check_digit_valid, "size_type": read.size_type}


class ImageRecognition:
    """Turns an image read into plate and container reads of the same crossing."""

    def __init__(self, config: VisionSection, recognizer_factory: Callable[[], Recognizer] | None = None):
        self.config = config
        self._factory = recognizer_factory or self._default_factory
        self._recognizer: Recognizer | None = None
        self._unavailable: str | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vision")
        self.failures = 0
        self.observers: list[Callable[[str, float], None]] = []  # (plate|container, seconds) per image
        self.frames_waiting = 0  # decoded frames handed to the worker and not yet read

    def observe(self, observer: Callable[[str, float], None]) -> None:
        """Call ``observer(kind, seconds)`` after each plate/container read of an image (the metrics)."""
        self.observers.append(observer)

    def _default_factory(self) -> Recognizer:
        from garita.vision import Recognizer

        return Recognizer(regions=tuple(self.config.regions), threads=self.config.threads)

    def wants(self, device: str) -> tuple[bool, bool]:
        """(read plates, read containers) for an image from this camera."""
        plates = self.config.plate_cameras is None or device in self.config.plate_cameras
        return plates, device in self.config.container_cameras

    def start(self, jpeg: bytes, device: str, frame: np.ndarray | None = None) -> asyncio.Future[list[Found]] | None:
        """Begin reading an image on the worker; None when nothing is wanted of it.

        The decoded frame is read when given, unless MAX_FRAMES_WAITING frames already wait (a backlog keeps
        only the small JPEGs, decoded when their turn comes). Call from the event loop. The future gives
        (kind, value, data) per plate/container, [] on failure.
        """
        plates, containers = self.wants(device)
        if not self.config.enabled or self._unavailable or not (plates or containers):
            return None
        source: np.ndarray | bytes = jpeg
        if frame is not None and self.frames_waiting < MAX_FRAMES_WAITING:
            source = frame
        future = asyncio.get_running_loop().run_in_executor(self._pool, self._read, source, device, plates, containers)
        if source is frame:
            # Counted on the event loop both ways: done callbacks run there, also for a read cancelled unstarted.
            self.frames_waiting += 1
            future.add_done_callback(self._frame_done)
        return future

    def _frame_done(self, _future: asyncio.Future) -> None:
        self.frames_waiting -= 1

    async def recognise(self, jpeg: bytes, device: str, frame: np.ndarray | None = None) -> list[Found]:
        """(kind, value, data) for each plate/container in the image; [] when vision is off or fails."""
        future = self.start(jpeg, device, frame)
        return [] if future is None else await future

    def _read(self, source: np.ndarray | bytes, device: str, plates: bool, containers: bool) -> list[Found]:
        recognizer = self._load()
        if recognizer is None:
            return []
        from garita.vision import VisionError, decode_image

        try:  # read_plates/read_containers check a frame's size and type themselves
            image = source if isinstance(source, np.ndarray) else decode_image(source)
            found = [("plate", r.text, plate_fields(r)) for r in self._timed("plate", recognizer.read_plates, image)
                     if self._plausible(r)] if plates else []
            if containers:
                found += [("container", r.text, container_fields(r))
                          for r in self._timed("container", recognizer.read_containers, image)]
        except VisionError as exc:
            self.failures += 1
            log_event(log, "vision.image_failed", logging.WARNING, device=device, error=str(exc))
            return []
        return found

    def _timed(self, kind: str, read: Callable[[np.ndarray], list], image: np.ndarray) -> list:
        started = time.perf_counter()
        found = read(image)
        for observe in self.observers:
            observe(kind, time.perf_counter() - started)
        return found

    def _plausible(self, plate: PlateRead) -> bool:
        """A plate that fits a grammar, or is read confidently enough to be worth an officer's look."""
        return plate.candidates[0].format is not None or plate.confidence >= self.config.min_confidence

    def _load(self) -> Recognizer | None:
        if self._recognizer is None and self._unavailable is None:
            try:
                self._recognizer = self._factory()
            except Exception as exc:  # missing model wheel, broken file: the lane runs on without vision
                self._unavailable = str(exc)
                log_event(log, "vision.unavailable", logging.ERROR, error=str(exc))
        return self._recognizer

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


