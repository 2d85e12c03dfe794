"""Shared fixtures for vision tests: the development photos in ../shared and one loaded Recognizer."""

from __future__ import annotations

from pathlib import Path

import pytest

from garita.vision.text_recognizer import CharGuess, TextLine
from tests.conftest import shared_path, unavailable


@pytest.fixture(scope="session")
def datasets() -> Path:
    """The shared development photos; skipped without them, except under CI where that fails."""
    return shared_path("datasets", "plates/br", "plates/us", "containers/labels.csv")


@pytest.fixture(scope="session")
def recognizer():
    """One Recognizer for the session (models load once), or skip when a model wheel is missing."""
    from garita.vision import Recognizer, VisionError

    try:
        return Recognizer(regions=("any",), threads=2)
    except VisionError as exc:
        unavailable(f"ONNX models unavailable: {exc}")


def line(text: str, conf: float = 0.95) -> TextLine:
    """A recognised line whose every character was read with ``conf``."""
    return TextLine(tuple(CharGuess(((c, conf),)) for c in text), text, conf)
