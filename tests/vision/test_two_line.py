"""Two stacked lines of one plate are also read as one serial, top line first."""

from __future__ import annotations

from garita.vision.plate_reader import rank_plates
from garita.vision.text_detector import TextBox
from garita.vision.text_recognizer import CharGuess, TextLine
from garita.vision.two_line import stacked, with_joined_lines


def line(text: str, conf: float = 0.95) -> TextLine:
    return TextLine(chars=tuple(CharGuess(((c, conf),)) for c in text), raw_text=text, raw_score=conf)


def box(x0: float, y0: float, x1: float, y1: float) -> TextBox:
    return TextBox.from_rect(x0, y0, x1, y1, 0.9)


def test_a_square_plate_reads_top_line_then_bottom() -> None:
    boxes, lines = with_joined_lines([box(10, 60, 90, 100), box(12, 10, 70, 50)], [line("1234"), line("AB")])
    reads = rank_plates(boxes, lines, ("eu",))
    assert reads[0].text == "AB1234"
    assert len(boxes) == 3  # each line alone is still offered


def test_lines_side_by_side_or_far_apart_are_not_joined() -> None:
    assert not stacked(box(10, 10, 60, 40), box(70, 10, 120, 40))  # beside
    assert not stacked(box(10, 10, 60, 40), box(10, 140, 60, 170))  # far below
    assert not stacked(box(10, 10, 60, 20), box(10, 22, 60, 80))  # a caption over a much taller serial
    assert not stacked(box(10, 60, 60, 90), box(10, 10, 60, 40))  # the lower line is not the top
    assert stacked(box(10, 10, 60, 40), box(5, 45, 70, 80))


def test_a_state_name_over_a_serial_does_not_displace_the_serial() -> None:
    boxes, lines = with_joined_lines([box(10, 60, 200, 110), box(40, 20, 170, 55)], [line("7ABC123"), line("NEVADA")])
    assert rank_plates(boxes, lines, ("us",))[0].text == "7ABC123"
