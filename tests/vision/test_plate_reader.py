"""Choosing plate lines among a frame's text: burnt-in camera captions are never plates."""

from __future__ import annotations

import numpy as np
import pytest

from garita.vision.plate_reader import rank_plates
from garita.vision.text_detector import TextBox
from garita.vision.text_recognizer import CharGuess, TextLine


def box(x: float, y: float, w: float = 90.0, h: float = 30.0) -> TextBox:
    return TextBox(quad=np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], np.float32), score=0.9)


def line(raw: str) -> TextLine:
    chars = tuple(CharGuess(((c, 0.97),)) for c in raw.upper() if c.isalnum())
    return TextLine(chars=chars, raw_text=raw, raw_score=0.97)


@pytest.mark.parametrize("caption", ["2014-05-02", "2014-05-0206:40:17", "06:22:09", "05/02/2014"])
def test_a_date_or_clock_caption_is_not_a_plate(caption: str) -> None:
    reads = rank_plates([box(10, 5), box(300, 400)], [line(caption), line("5LTA600")], ("us",))
    assert [r.candidates[0].text for r in reads] == ["5LTA600"]


def test_a_caption_alone_gives_no_plate_rather_than_a_wrong_one() -> None:
    assert rank_plates([box(10, 5)], [line("2014-05-09")], ("us",)) == []


def test_plate_with_a_dash_is_still_a_plate() -> None:
    reads = rank_plates([box(300, 400)], [line("CLT-0108")], ("us",))
    assert reads and reads[0].candidates[0].text == "CLT0108"
