"""Matching tiers, by table, and properties: any one OCR confusion of a listed plate or container is found."""

from __future__ import annotations

import string
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from garita.station.watchlist.cache import Watchlist
from garita.station.watchlist.importer import import_file
from garita.station.watchlist.matching import MatchSettings
from garita.station.watchlist.synthetic import container_value
from tests.station.watchlist_feeds import KEYS, LISTED, entry, snapshot

CONFUSION_PAIRS = [(a, b) for group in MatchSettings().confusion_classes for a in group for b in group if a != b]


@pytest.fixture(scope="module")
def listing(tmp_path_factory):
    root = tmp_path_factory.mktemp("wl")
    now = datetime.now(UTC)
    extra = [
        entry("OLD", "plate", plate="EXP1RED", valid_until=(now - timedelta(days=1)).isoformat()),
        entry("FUT", "plate", plate="LATER22", valid_from=(now + timedelta(days=1)).isoformat()),
        entry("P3", "plate", "notify", plate="BXB8080"),
    ]
    import_file(root / "data", snapshot(root / "s.feed", 1, LISTED + extra), KEYS)
    return Watchlist(root / "data")


@pytest.mark.parametrize(("read", "entry_id", "tier", "differences"), [
    ("8XYZ123", "P1", "exact", ()),
    ("8 xyz-123", "P1", "exact", ()),
    ("BXYZ123", "P1", "ocr_confusion", ("1: read 'B', listed '8'",)),
    ("8XYZ1Z3", "P1", "ocr_confusion", ("6: read 'Z', listed '2'",)),
    ("8XYZI23", "P1", "ocr_confusion", ("5: read 'I', listed '1'",)),
    ("8XYZ12", "P1", "edit1", ("7: read lacks '3'",)),
    ("8XYZ1234", "P1", "edit1", ("8: read has extra '4'",)),
    ("8XYZ124", "P1", "edit1", ("7: read '4', listed '3'",)),
    ("ABC123D", "P2", "exact", ()),
    ("A8C123D", "P2", "ocr_confusion", ("2: read '8', listed 'B'",)),
    ("ABC1Z3O", "P2", None, ()),  # two confusions and a substitution: too far
    ("ZZZ999", None, None, ()),
])
def test_plate_tiers(listing, read, entry_id, tier, differences):
    hits = listing.matcher().plate(read)
    if entry_id is None or tier is None:
        assert [h for h in hits if h.entry_id == entry_id] == []
        return
    hit = next(h for h in hits if h.entry_id == entry_id)
    assert (hit.tier, hit.differences) == (tier, differences)


def test_edit1_tier_can_be_turned_off(listing):
    strict = Watchlist(listing.directory.parent, MatchSettings(edit_distance_tier=False))
    assert strict.matcher().plate("8XYZ124") == []
    assert strict.matcher().plate("BXYZ123")[0].tier == "ocr_confusion"


def test_confusion_classes_are_configurable(listing):
    custom = Watchlist(listing.directory.parent, MatchSettings(confusion_classes=("3E",)))
    assert custom.matcher().plate("8XYZ12E")[0].tier == "ocr_confusion"
    assert custom.matcher().plate("BXYZ123")[0].tier == "edit1"


def test_state_mismatch_is_noted_not_dropped(listing):
    hit = listing.matcher().plate("8XYZ123", state="TX")[0]
    assert hit.notes == ("state differs: read TX, listed CA",)


def test_entries_outside_their_validity_are_ignored(listing):
    assert listing.matcher().plate("EXP1RED") == []
    assert listing.matcher().plate("LATER22") == []
    later = datetime.now(UTC) + timedelta(days=2)
    assert listing.matcher().plate("LATER22", now=later)[0].entry_id == "FUT"


def test_hits_are_sorted_most_serious_first(listing):
    hits = listing.matcher().plate("8XB8080")  # near P3 (notify) and not P1
    assert [h.entry_id for h in hits] == ["P3"]
    both = listing.check("8XYZ123")
    assert both[0].action == "detain"


@pytest.mark.parametrize(("read", "tier"), [
    ("CSQU3054383", "exact"),
    ("CSQU 305438 3", "exact"),
    ("CSQU305438", "check_digit"),      # check digit not read
    ("C5QU3054383", "check_digit"),     # digit in the owner code
    ("CSQU3O54383", "check_digit"),     # letter in the serial
    ("CSQU3054388", "edit1"),           # wrong check digit, no valid repair one confusion away
])
def test_container_tiers(listing, read, tier):
    hits = listing.matcher().container(read)
    assert [(h.entry_id, h.tier) for h in hits] == [("C1", tier)]


@pytest.mark.parametrize(("number", "country", "found"), [
    ("G12345678", "MEX", True), ("g1234 5678", None, True), ("G1234567<8", "MEX", True),
    ("G12345678", "USA", False), ("G12345679", "MEX", False),
])
def test_documents_by_number_and_country(listing, number, country, found):
    assert bool(listing.matcher().document(number, country)) is found


def test_rfid_and_carriers(listing):
    assert listing.matcher().rfid("e2003411b80201151234 5678")[0].entry_id == "R1"
    assert listing.matcher().carrier("abcd")[0].entry_id == "S1"
    assert listing.matcher().carrier("AAA-010101-AAA")[0].entry_id == "F1"
    assert listing.matcher().rfid("E200") == []


@pytest.mark.parametrize(("name", "dob", "entry_id"), [
    ("MARIA DE LA LUZ GARCIA LOPEZ", None, "N1"),
    ("garcía lópez, maría luz", None, "N1"),            # order, accents, particles, punctuation
    ("GARCIA LOPEZ MARIA LUZ", date(1985, 3, 15), "N1"),
    ("MARIA LUZ GARCIA", None, "N1"),                   # second surname left out (US documents)
    ("MARIA LUZ GARSIA LOPEZ", None, "N1"),             # one letter wrong
    ("MARIA LUZ GARCIA LOPEZ", date(1990, 1, 1), None),  # same name, another person
    ("JOHN ROBERT SMITH", None, "N2"),
    ("SMITH JOHN ROBERT", None, "N2"),
    ("John Smith", None, "N2"),
    ("JOHN", None, None),                                # one shared word is not a match
    ("MARIA HERNANDEZ", None, None),
    ("ROBERT JONES", None, None),
])
def test_person_names(listing, name, dob, entry_id):
    hits = listing.matcher().person(name, dob)
    assert [h.entry_id for h in hits] == ([entry_id] if entry_id else [])
    if hits:
        assert hits[0].tier == "name" and hits[0].score >= 88


def test_check_tries_every_kind_without_duplicates(listing):
    assert [h.entry_id for h in listing.check("ABCD")] == ["S1"]
    assert listing.check("") == []


def test_no_watchlist_yet_means_no_hits_and_stale(tmp_path):
    empty = Watchlist(tmp_path / "none")
    assert empty.check("8XYZ123") == [] and empty.status().stale
    assert "STALE" in empty.status().line()


def test_stale_after_the_configured_age(listing):
    status = listing.status(now=datetime.now(UTC) + timedelta(days=2))
    assert status.stale and "STALE" in status.line()
    assert not listing.status().stale


# --- properties ------------------------------------------------------------------------------------

PLATE_CHARS = string.ascii_uppercase + string.digits


@pytest.fixture(scope="module")
def plates_listing(tmp_path_factory):
    root = tmp_path_factory.mktemp("wlp")
    plates = ["8XYZ123", "ABC123D", "AX37762", "7SOB5Z1", "1LIO0DQ", "GG66SS55"]
    import_file(root / "data", snapshot(root / "s.feed", 1, [entry(p, "plate", plate=p) for p in plates]), KEYS)
    return Watchlist(root / "data"), plates


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_single_confusion_of_a_listed_plate_is_found(plates_listing, data):
    listing, plates = plates_listing
    plate = data.draw(st.sampled_from(plates))
    places = [i for i, c in enumerate(plate) if any(a == c for a, _ in CONFUSION_PAIRS)]
    place = data.draw(st.sampled_from(places))
    swap = data.draw(st.sampled_from([b for a, b in CONFUSION_PAIRS if a == plate[place]]))
    read = plate[:place] + swap + plate[place + 1:]
    hit = next(h for h in listing.matcher().plate(read) if h.entry_id == plate)
    assert hit.tier == "ocr_confusion"
    assert hit.differences == (f"{place + 1}: read {swap!r}, listed {plate[place]!r}",)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_single_edit_of_a_listed_plate_is_found(plates_listing, data):
    listing, plates = plates_listing
    plate = data.draw(st.sampled_from(plates))
    place = data.draw(st.integers(0, len(plate) - 1))
    char = data.draw(st.sampled_from(PLATE_CHARS))
    read = data.draw(st.sampled_from([plate[:place] + plate[place + 1:], plate[:place] + char + plate[place:],
                                      plate[:place] + char + plate[place + 1:]]))
    assert plate in {h.entry_id for h in listing.matcher().plate(read)}


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 10**6), data=st.data())
def test_any_single_confusion_of_a_container_is_found(tmp_path_factory, seed, data):
    import random

    number = container_value(random.Random(seed))
    root = tmp_path_factory.mktemp("wlc")
    import_file(root / "data", snapshot(root / "s.feed", 1, [entry("C", "container", container=number)]), KEYS)
    places = [i for i, c in enumerate(number) if any(a == c for a, _ in CONFUSION_PAIRS)]
    assume(places)  # not counted as an example: every counted one swaps a character
    place = data.draw(st.sampled_from(places))
    swap = data.draw(st.sampled_from([b for a, b in CONFUSION_PAIRS if a == number[place]]))
    hits = Watchlist(root / "data").matcher().container(number[:place] + swap + number[place + 1:])
    assert [h.entry_id for h in hits] == ["C"]
