"""Typed options of the OpenCV camera driver (``driver = "opencv"``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from garita.drivers.driver_options import DriverOptions


class CameraOptions(DriverOptions):
    """``[devices.options]`` of a camera; unknown keys are errors."""

    trigger: Literal["motion", "interval"] = Field(
        "motion", title="motion: one snapshot when a vehicle stops in view; interval: one every interval_s")
    motion_threshold: float = Field(12.0, gt=0, le=255, title="Mean absolute frame difference (0-255) that is motion")
    settle_frames: int = Field(3, ge=1, le=1000, title="Still frames after motion before the snapshot")
    interval_s: float = Field(2.0, gt=0, le=86400, title="Seconds between snapshots in interval mode")
    stall_s: float = Field(3.0, gt=0, le=3600, title="Seconds without a frame before the stream is restarted")
    jpeg_quality: int = Field(85, ge=1, le=100, title="JPEG quality of stored snapshots")
    stable_threshold: float = Field(4.0, gt=0, le=255, title="Frame-to-frame difference still counted as a still scene")
