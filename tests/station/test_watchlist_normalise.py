"""Normalisers and ISO 6346 repairs: properties over any input, and a few fixed cases."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from station.watchlist import containers, normalise
from station.watchlist.keys import deletions, fuzzy_keys, fuzzy_probes
from station.watchlist.matching import MatchSettings

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


@given(st.text(alphabet=string.ascii_uppercase + string.digits, min_size=1, max_size=12),
       st.text(alphabet=string.ascii_uppercase + string.digits, min_size=1, max_size=12))
def test_deletion_index_finds_everything_within_one_edit(listed, read):
    from rapidfuzz.distance import Levenshtein

    shares_a_key = bool(fuzzy_keys("P", "p", listed) & set(fuzzy_probes("P", "p", read)))
    if Levenshtein.distance(listed, read) <= 1:
        assert shares_a_key


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


@given(containers_numbers, st.data())
def test_a_letter_digit_swap_is_repaired(number, data):
    swaps = {"0": "O", "1": "I", "5": "S", "8": "B", "2": "Z", "6": "G"}
    places = [i for i in range(4, 11) if number[i] in swaps]
    if places:
        place = data.draw(st.sampled_from(places))
        read = number[:place] + swaps[number[place]] + number[place + 1:]
        assert number in containers.repairs(read, CONFUSIONS)


@given(st.text(max_size=14))
def test_repairs_never_crash_and_are_valid(text):
    for found in containers.repairs(normalise.container(text), CONFUSIONS):
        assert containers.is_valid(found)
