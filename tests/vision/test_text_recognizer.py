"""The line recogniser reads a crop the same whatever else is recognised with it."""

from __future__ import annotations

import cv2
import numpy as np

from garita.vision.text_recognizer import MIN_REC_WIDTH, padded_width


def line(text: str, width: int) -> np.ndarray:
    image = np.full((60, width, 3), 235, np.uint8)
    cv2.putText(image, text, (8, 45), cv2.FONT_HERSHEY_SIMPLEX, 1.4, (20, 20, 20), 3, cv2.LINE_AA)
    return image


def test_canvas_is_at_least_the_minimum_and_a_multiple_of_32() -> None:
    assert padded_width(line("AB1", 90)) == MIN_REC_WIDTH
    wide = padded_width(line("20140509070537", 700))
    assert wide > MIN_REC_WIDTH and wide % 32 == 0


def test_a_plate_reads_the_same_alone_and_next_to_a_long_caption(recognizer) -> None:
    plate, caption = line("7ABC123", 190), line("2014-05-09 07:05:37 CAM 3", 720)
    alone = recognizer.text.read([plate])[0]
    together = recognizer.text.read([caption, plate, caption])[1]
    assert together.text == alone.text == "7ABC123"
    np.testing.assert_allclose([c.conf for c in together.chars], [c.conf for c in alone.chars], rtol=1e-4)


def test_fullwidth_forms_and_latin_look_alikes_count_as_the_character_itself() -> None:
    from garita.vision.text_recognizer import CtcDecoder

    charset = ("<blank>", "2", "\uff12", "\u0417", "\uff41", "\u6f22", "\u039b", " ")
    decoder = CtcDecoder(charset)
    frames = np.zeros((6, len(charset)), np.float32)
    frames[[0, 2, 4], 0] = 1.0  # blanks between the characters
    frames[1, 2], frames[3, 3], frames[5, 4] = 0.9, 0.8, 0.7  # fullwidth 2, Cyrillic Ze, fullwidth a
    frames[[1, 3, 5], 6] = [0.1, 0.2, 0.3]  # Greek Lambda: like no Latin character, stays "other"
    assert decoder.decode(frames).text == "23A"
    assert all(6 not in columns for columns in decoder.groups)  # Lambda feeds no A-Z/0-9 class
