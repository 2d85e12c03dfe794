"""Container code candidates: slot rewrites are limited, the one repair never comes on top of a rewrite."""

from __future__ import annotations

import string

from hypothesis import event, given, settings
from hypothesis import strategies as st

from garita.vision.container_code import MAX_REWRITES, code_candidates
from garita.vision.iso6346 import CATEGORIES, check_digit, is_valid
from garita.vision.plate_grammar import CONFUSIONS
from garita.vision.text_recognizer import ALNUM, CharGuess


def read(text: str, conf: float = 0.99) -> tuple[CharGuess, ...]:
    """A recognised line whose only option per position is the character given."""
    return tuple(CharGuess(options=((c, conf),)) for c in text)


def test_a_clean_read_gives_the_valid_code_first() -> None:
    best = code_candidates(read("CXDU1105408"))[0]
    assert (best.text, best.format) == ("CXDU1105408", "iso6346")


def test_letter_digit_look_alikes_in_the_serial_are_rewritten() -> None:
    best = code_candidates(read("CXDU11O54O8"))[0]  # two letter O where the serial needs digits
    assert (best.text, best.format) == ("CXDU1105408", "iso6346")


def test_more_rewrites_than_allowed_give_nothing() -> None:
    assert code_candidates(read("CXDU11O5AO8")) == []  # O, A, O: three positions would have to change


def test_no_repair_on_top_of_a_rewrite() -> None:
    # serial needs one rewrite (O -> 0) and the check digit fails: repairing another digit would be 2 changes
    found = code_candidates(read("CXDU11O5418", conf=0.6))
    assert all(c.format != "iso6346-repaired" for c in found)
    assert all(not is_valid(c.text) for c in found)


@st.composite
def misread_codes(draw: st.DrawFn) -> str:
    """A real code as OCR gives it: up to three look-alike swaps or stray characters, other print either side."""
    owner = draw(st.text(alphabet=string.ascii_uppercase, min_size=3, max_size=3))
    body = owner + draw(st.sampled_from(CATEGORIES)) + draw(st.text(alphabet=string.digits, min_size=6, max_size=6))
    chars = list(body + str(check_digit(body)))
    for place in draw(st.lists(st.integers(0, 10), max_size=3, unique=True)):
        partners = CONFUSIONS.get(chars[place], "")
        chars[place] = draw(st.sampled_from(partners) if partners and draw(st.booleans()) else st.sampled_from(ALNUM))
    edge = st.text(alphabet=ALNUM, max_size=3)
    return draw(edge) + "".join(chars) + draw(edge)


def test_every_candidate_is_close_to_some_window_of_the_read() -> None:
    seen = {"candidates": 0, "none": 0}

    # Derandomized: the share of examples that reach the assertion is a property of the strategy, not of luck
    # (with fresh seeds it hovers around half, and a floor on it flickered).
    @settings(max_examples=200, deadline=None, derandomize=True, database=None)
    @given(st.one_of(misread_codes(), st.text(alphabet=ALNUM, min_size=11, max_size=16)), st.floats(0.05, 1.0))
    def candidates_stay_close(text: str, conf: float) -> None:
        found = code_candidates(read(text, conf))
        seen["candidates" if found else "none"] += 1
        event("candidates" if found else "no candidate")
        event(f"formats: {sorted({str(c.format) for c in found})}")
        for cand in found:
            changes = min(
                sum(a != b for a, b in zip(cand.text, text[i : i + 11], strict=True)) for i in range(len(text) - 10)
            )
            assert changes <= MAX_REWRITES + (cand.format == "iso6346-repaired")

    candidates_stay_close()
    print(f"\ncontainer candidate property: {seen}")
    assert seen["candidates"] >= 100, seen  # the assertion above ran on most examples, not on none


def test_a_category_other_than_u_j_z_gives_no_code() -> None:
    assert code_candidates(read("CSQX3054383")) == []  # X has no look-alike among U, J and Z
