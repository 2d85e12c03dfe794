"""Synthetic scenes are deterministic and contain what the lane needs."""

from __future__ import annotations

import numpy as np

from garita.hardware_mocks.synthetic_images import container_side, empty_lane, plate_image, vehicle_with_plate


def test_empty_lane_shape_and_determinism() -> None:
    a = empty_lane(640, 360)
    assert a.shape == (360, 640, 3) and a.dtype == np.uint8
    assert np.array_equal(a, empty_lane(640, 360))


def test_vehicle_deterministic_per_seed() -> None:
    a = vehicle_with_plate("8XYZ123", "car", seed=7, state="California")
    assert np.array_equal(a, vehicle_with_plate("8XYZ123", "car", seed=7, state="California"))
    assert not np.array_equal(a, vehicle_with_plate("8XYZ124", "car", seed=7, state="California"))


def test_plate_is_white_with_dark_text() -> None:
    plate = plate_image("ABC-123-D", "Baja California")
    assert plate.mean() > 150  # mostly white
    assert (plate < 60).all(axis=2).mean() > 0.05  # thick black characters


def test_truck_with_containers_and_container_side() -> None:
    truck = vehicle_with_plate("AX3-7762", "truck", seed=1, containers=["CSQU3054383"])
    assert truck.shape == (720, 1280, 3)
    side = container_side("MSCU6639870", two_lines=True, seed=2)
    assert side.shape == (560, 1280, 3)
    assert np.array_equal(side, container_side("MSCU6639870", two_lines=True, seed=2))
