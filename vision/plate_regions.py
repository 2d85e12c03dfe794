"""Which detected text boxes may hold a plate: geometry only, so that recognition runs on few crops."""

from __future__ import annotations

from garita.vision.text_detector import TextBox

MIN_ASPECT, MAX_ASPECT = 0.8, 9.0  # a plate line, or a part of one split at a space; never a long slogan
MIN_HEIGHT = 6.0  # frame pixels; smaller text cannot be read


def shape_factor(box: TextBox, tallest: float) -> float:
    """Plates are short wide lines of large characters: other shapes and small print count less."""
    aspect = box.width / max(box.height, 1.0)
    shape = 1.0 if 1.5 <= aspect <= 6.0 else 0.6
    return shape * (box.height / max(tallest, 1.0)) ** 0.5


def plate_likeness(box: TextBox, tallest: float, frame_height: int) -> float:
    """Prior that a box holds plate text: its shape and size, not in the caption strip at the top."""
    # frame captions (time stamps, camera names) sit in the top strip; plates hardly ever do
    place = 0.5 if box.center[1] < 0.06 * frame_height else 1.0
    return box.score * shape_factor(box, tallest) * place


def plate_boxes(boxes: list[TextBox], frame_height: int, limit: int) -> list[TextBox]:
    """The limit most plate-like boxes, most plate-like first (recognition is the costly step)."""
    kept = [b for b in boxes if b.height >= MIN_HEIGHT and MIN_ASPECT <= b.width / max(b.height, 1.0) <= MAX_ASPECT]
    tallest = max((b.height for b in kept), default=1.0)
    kept.sort(key=lambda b: -plate_likeness(b, tallest, frame_height))
    return kept[:limit]
