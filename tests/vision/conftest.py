"""Shared fixtures for vision tests: the development photos in ../shared and one loaded Recognizer."""

from __future__ import annotations

from pathlib import Path

import pytest

from vision.text_recognizer import CharGuess, TextLine

REPO = Path(__file__).resolve().parents[2]
DATASETS = REPO.parent / "shared" / "datasets"


@pytest.fixture(scope="session")
def datasets() -> Path:
    """The shared development photos, or skip."""
    if not (DATASETS / "plates").is_dir() or not (DATASETS / "containers" / "labels.csv").is_file():
        pytest.skip(f"development photos not found at {DATASETS} (../shared/datasets); real-image tests skipped")
    return DATASETS


@pytest.fixture(scope="session")
def recognizer():
    """One Recognizer for the session (models load once), or skip when a model wheel is missing."""
    from vision import Recognizer, VisionError

    try:
        return Recognizer(regions=("any",), threads=2)
    except VisionError as exc:
        pytest.skip(f"ONNX models unavailable: {exc}")


def line(text: str, conf: float = 0.95) -> TextLine:
    """A recognised line whose every character was read with ``conf``."""
    return TextLine(tuple(CharGuess(((c, conf),)) for c in text), text, conf)
