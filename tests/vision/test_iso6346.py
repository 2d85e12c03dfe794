"""ISO 6346 check digits, validation and single-digit repair, recomputed from protocols.md section 7."""

from __future__ import annotations

import string

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from garita.vision.iso6346 import LETTER_VALUES, check_digit, is_strong, is_valid, remainder, repair_digit

owners = st.text(alphabet=string.ascii_uppercase, min_size=3, max_size=3)
serials = st.text(alphabet=string.digits, min_size=6, max_size=6)


def make(owner: str, category: str, serial: str) -> str:
    first10 = owner + category + serial
    return first10 + str(check_digit(first10))


def test_letter_values_skip_multiples_of_eleven() -> None:
    assert LETTER_VALUES["A"] == 10 and LETTER_VALUES["B"] == 12 and LETTER_VALUES["L"] == 23
    assert LETTER_VALUES["V"] == 34 and LETTER_VALUES["Z"] == 38
    assert all(v % 11 for v in LETTER_VALUES.values())


@pytest.mark.parametrize(("code", "valid"), [("CSQU3054383", True), ("MSCU6639870", True), ("CSQU3045383", False)])
def test_protocol_vectors(code: str, valid: bool) -> None:
    assert is_valid(code) is valid


def test_remainder_ten_is_written_zero() -> None:
    assert remainder("CSQU305407") == 10
    assert check_digit("CSQU305407") == 0
    assert is_valid("CSQU3054070") and not is_strong("CSQU3054070")


def test_category_must_be_u_j_or_z() -> None:
    first10 = "CSQX305438"
    assert not is_valid(first10 + str(check_digit(first10)))


@given(owners, st.sampled_from("UJZ"), serials)
def test_built_codes_validate(owner: str, category: str, serial: str) -> None:
    assert is_valid(make(owner, category, serial))


@given(owners, st.sampled_from("UJZ"), serials, st.integers(4, 9), st.sampled_from(string.digits))
def test_single_serial_digit_error_is_detected(owner: str, category: str, serial: str, pos: int, digit: str) -> None:
    code = make(owner, category, serial)
    wrong = code[:pos] + digit + code[pos + 1 :]
    # check digit 0 also stands for remainder 10 (protocols.md); assume() makes Hypothesis draw others instead
    assume(wrong != code and code[10] != "0")
    assert not is_valid(wrong)


@given(owners, st.sampled_from("UJZ"), serials, st.integers(4, 9), st.sampled_from(string.digits))
def test_repair_of_flagged_position_recovers_code(owner: str, category: str, serial: str, pos: int, digit: str) -> None:
    code = make(owner, category, serial)
    wrong = code[:pos] + digit + code[pos + 1 :]
    assume(wrong != code and code[10] != "0")
    assert repair_digit(wrong, pos) == [code]


def test_check_digit_refuses_what_is_not_owner_category_and_serial() -> None:
    from garita.vision.iso6346 import CATEGORIES, CODE_LENGTH

    assert (CODE_LENGTH, CATEGORIES) == (11, "UJZ")
    for bad in ("CSQU30543", "CSQU30543X", "CSQ1305438", "CSQU3054383"):
        with pytest.raises(ValueError, match=r"^need 4 letters and 6 digits, got"):
            check_digit(bad)


def test_the_check_digit_itself_can_be_repaired() -> None:
    assert repair_digit("CSQU3054380", 10) == ["CSQU3054383"]
    assert repair_digit("CSQUO054383", 4) == []  # a letter in the serial is a rewrite, not a digit repair
