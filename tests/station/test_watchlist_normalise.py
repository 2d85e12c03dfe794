"""Normalisers and ISO 6346 repairs: properties over any input, and a few fixed cases."""

from __future__ import annotations

import string

import pytest
from hypothesis import assume, event, given
from hypothesis import strategies as st

from garita.station.watchlist import containers, normalise
from garita.station.watchlist.matching import MatchSettings
from garita.station.watchlist.watchlist_keys import deletions, fuzzy_keys, fuzzy_probes

CONFUSIONS = MatchSettings().confusions()


@given(st.text())
def test_alnum_upper_is_idempotent_and_clean(text):
    once = normalise.alnum_upper(text)
    assert normalise.alnum_upper(once) == once
    assert all(c in string.ascii_uppercase + string.digits for c in once)


@given(st.text(alphabet=string.ascii_letters + string.digits + " -.·", max_size=12))
def test_plate_ignores_case_and_separators(text):
    assert normalise.plate(text) == normalise.plate(text.upper().replace("-", " ").replace(".", ""))


@pytest.mark.parametrize(("raw", "plate"), [("ABC-123-D", "ABC123D"), ("ñu 12", "NU12"), ("8 xyz·123", "8XYZ123")])
def test_plate_examples(raw, plate):
    assert normalise.plate(raw) == plate


@given(st.text())
def test_name_tokens_are_order_free_and_never_particles(text):
    tokens = normalise.name_tokens(text)
    assert tokens == tuple(sorted(tokens))
    assert not set(tokens) & normalise.PARTICLES
    assert normalise.name_tokens(" ".join(reversed(text.split()))) == tokens


def test_name_examples():
    assert normalise.name_tokens("María de la Luz GARCÍA y López") == ("garcia", "lopez", "luz", "maria")
    assert normalise.name_tokens("GARCIA<LOPEZ<<JUAN<CARLOS") == ("carlos", "garcia", "juan", "lopez")


ALNUM_TEXT = st.text(alphabet=string.ascii_uppercase + string.digits, min_size=1, max_size=12)


@st.composite
def listed_and_read(draw: st.DrawFn) -> tuple[str, str]:
    """A listed value and a read of it: the same, one character changed, dropped or added, or unrelated."""
    listed = draw(ALNUM_TEXT)
    place = draw(st.integers(0, len(listed)))
    char = draw(st.sampled_from(string.ascii_uppercase + string.digits))
    read = draw(st.sampled_from([
        listed, listed[:place] + char + listed[place + 1:], listed[:place] + listed[place + 1:],
        listed[:place] + char + listed[place:], draw(ALNUM_TEXT)]))
    return listed, read or listed


def test_deletion_index_finds_everything_within_one_edit():
    from rapidfuzz.distance import Levenshtein

    near = []

    @given(listed_and_read())
    def one_edit_shares_a_key(pair):
        listed, read = pair
        shares_a_key = bool(fuzzy_keys("P", "p", listed) & set(fuzzy_probes("P", "p", read)))
        near.append(Levenshtein.distance(listed, read) <= 1)
        event("within one edit" if near[-1] else "further apart")
        if near[-1]:
            assert shares_a_key

    one_edit_shares_a_key()
    print(f"\ndeletion index property: {sum(near)} of {len(near)} pairs within one edit")
    assert sum(near) >= len(near) // 2, f"only {sum(near)} of {len(near)} pairs within one edit"


@given(st.text(min_size=0, max_size=10))
def test_deletions_are_one_shorter(value):
    assert all(len(d) == len(value) - 1 for d in deletions(value))


@pytest.mark.parametrize("number", ["CSQU3054383", "MSKU9070323", "APZU4812090", "MSCU6639870", "TGHU8847257"])
def test_known_check_digits(number):
    assert containers.is_valid(number)


containers_numbers = st.builds(
    lambda owner, serial: owner + "U" + serial + str(containers.check_digit(owner + "U" + serial)),
    st.text(alphabet=string.ascii_uppercase, min_size=3, max_size=3),
    st.text(alphabet=string.digits, min_size=6, max_size=6))


@given(containers_numbers)
def test_a_valid_number_repairs_to_itself(number):
    assert containers.repairs(number, CONFUSIONS) == [number]


@given(containers_numbers)
def test_a_missing_check_digit_is_completed(number):
    assert containers.repairs(number[:10], CONFUSIONS) == [number]


SWAPS = {"0": "O", "1": "I", "5": "S", "8": "B", "2": "Z", "6": "G"}


@given(containers_numbers, st.data())
def test_a_letter_digit_swap_is_repaired(number, data):
    places = [i for i in range(4, 11) if number[i] in SWAPS]
    assume(places)  # all but a few numbers hold a swappable digit; Hypothesis reports how many were skipped
    place = data.draw(st.sampled_from(places))
    read = number[:place] + SWAPS[number[place]] + number[place + 1:]
    assert number in containers.repairs(read, CONFUSIONS)


@st.composite
def ocr_reads(draw: st.DrawFn) -> str:
    """A listed number as a reader may give it: look-alikes swapped (or a letter changed), the check digit
    missing, separators and lower case; or plain noise, one time in four."""
    chars = list(draw(containers_numbers))
    confusable = [i for i, c in enumerate(chars) if len(CONFUSIONS.get(c, "")) > 1]
    changed = draw(st.lists(st.sampled_from(confusable), max_size=2, unique=True)) if confusable else []
    for place in changed + draw(st.lists(st.integers(0, 3), max_size=1)):
        partners = CONFUSIONS.get(chars[place], "").replace(chars[place], "")
        chars[place] = draw(st.sampled_from(partners or string.ascii_uppercase))
    read = "".join(chars)[: draw(st.sampled_from([10, 11, 11, 11]))]
    read = draw(st.sampled_from([read, read.lower(), f"{read[:4]} {read[4:10]}-{read[10:]}"]))
    return draw(st.text(max_size=14)) if draw(st.sampled_from(["read", "read", "read", "noise"])) == "noise" else read


def test_repairs_never_crash_and_are_valid():
    repaired = []

    @given(ocr_reads())
    def repairs_are_valid(text):
        found = containers.repairs(normalise.container(text), CONFUSIONS)
        event(f"{min(len(found), 2)} repairs")
        repaired.append(bool(found))
        for number in found:
            assert containers.is_valid(number)

    repairs_are_valid()
    print(f"\ncontainer repair property: {sum(repaired)} of {len(repaired)} reads repaired")
    assert sum(repaired) >= len(repaired) // 3, f"{sum(repaired)} of {len(repaired)} reads gave a repair"
