"""Vehicle presence from motion against a learned empty-lane background."""

from __future__ import annotations

import cv2
import numpy as np

THUMB_SIZE = (64, 36)


def thumbnail(frame: np.ndarray) -> np.ndarray:
    """Downscaled grayscale float32 copy; small enough to compare every frame cheaply."""
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else frame
    return cv2.resize(gray, THUMB_SIZE, interpolation=cv2.INTER_AREA).astype(np.float32)


class MotionTrigger:
    """Fires once when a changed scene settles; re-arms when the lane is empty again.

    Leaving has two thresholds, like a Schmitt trigger: a frame that matches the empty lane closely
    (within half the motion threshold) means the vehicle has gone and re-arms at once, while a frame
    only just under the threshold (a vehicle half out of view, a shadow, sensor noise on a small car)
    must be seen ``settle_frames`` times in a row. Back-to-back vehicles leave the empty lane in view
    for only a few frames (fewer still when frames arrive late), and a debounce there would let the
    next vehicle go by without an image.
    """

    def __init__(self, threshold: float = 12.0, settle_frames: int = 3,
                 stable_threshold: float = 4.0, adapt_rate: float = 0.02) -> None:
        self.threshold, self.settle_frames = threshold, settle_frames
        self.stable_threshold, self.adapt_rate = stable_threshold, adapt_rate
        self.background: np.ndarray | None = None
        self.armed = True
        self.departed = False
        self._previous: np.ndarray | None = None
        self._stable = 0
        self._empty = 0

    def update(self, thumb: np.ndarray) -> bool:
        """Feed one thumbnail; True exactly when a vehicle has arrived and settled."""
        self._track_stability(thumb)
        if self.background is None:
            if self._stable >= self.settle_frames:
                self.background = thumb.copy()  # first stable scene = empty lane
            return False
        difference = float(np.mean(np.abs(thumb - self.background)))
        differs = difference > self.threshold
        if self.armed:
            if differs and self._stable >= self.settle_frames:
                self.armed, self._empty = False, 0
                return True
            if not differs and self._stable >= self.settle_frames:
                # Follow slow light changes while the lane is empty.
                cv2.accumulateWeighted(thumb, self.background, self.adapt_rate)
            return False
        self._empty = 0 if differs else self._empty + 1
        if self._empty >= self.settle_frames or difference <= self.threshold / 2:
            self.armed = self.departed = True
        return False

    def take_departure(self) -> bool:
        """True once after the lane went empty again (the vehicle that fired the trigger left)."""
        departed, self.departed = self.departed, False
        return departed

    def _track_stability(self, thumb: np.ndarray) -> None:
        prev, self._previous = self._previous, thumb
        if prev is not None and float(np.mean(np.abs(thumb - prev))) <= self.stable_threshold:
            self._stable += 1
        else:
            self._stable = 0
