"""vision.models: every model file ships inside the package, the upstream ones exactly as published."""

from __future__ import annotations

import pytest

from garita.vision.errors import VisionError
from garita.vision.models import SHIPPED, UPSTREAM_SHA256, bundled_dir, model_path, sha256_of


def test_a_missing_model_file_names_the_file_and_the_fix() -> None:
    with pytest.raises(VisionError, match=r"no-such-model\.onnx is missing or empty: reinstall garita"):
        model_path("no-such-model.onnx")


def test_every_shipped_model_is_in_the_package() -> None:
    for name in SHIPPED:
        path = model_path(name)
        assert path.parent == bundled_dir() and path.stat().st_size > 100_000


def test_the_paddleocr_files_are_the_published_bytes() -> None:
    for name, digest in UPSTREAM_SHA256.items():
        assert sha256_of(model_path(name)) == digest, f"{name} differs from the file its wheel ships"
