"""Round trips: what the mocks generate (from the spec) is what our parsers read back.

The generators in hardware_mocks never import drivers/, so agreement here means two
independent readings of protocols.md agree.
"""

from __future__ import annotations

import random
from datetime import date, datetime
from pathlib import Path

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from garita.drivers.documents.aamva import parse_aamva
from garita.drivers.documents.aim import split_symbology
from garita.drivers.documents.classify import classify
from garita.drivers.documents.mrz import clean_lines, parse_mrz
from garita.drivers.documents.paps import parse_paps
from garita.drivers.documents.pedimento import parse_pedimento
from garita.drivers.framing import BlockFramer, LineFramer
from garita.drivers.rfid_taglist import parse_notification, parse_tag_line, parse_taglist
from garita.hardware_mocks import documents as gen
from garita.hardware_mocks.alien_rfid_reader import AlienRfidReader
from garita.hardware_mocks.alien_tags import TagRead as MockTag
from garita.hardware_mocks.alien_tags import format_tag, format_tag_list
from garita.hardware_mocks.barcode_emulator import BarcodeScanner
from garita.hardware_mocks.passport_reader import build_frame, build_plain

TODAY = date.today()
words = st.from_regex(r"[A-Z]{1,10}( [A-Z]{1,8})?", fullmatch=True)
alnum = lambda n: st.from_regex(rf"[A-Z0-9]{{0,{n}}}", fullmatch=True)  # noqa: E731
# Birth years within the last 99 years keep the YY century rule unambiguous.
births = st.dates(date(TODAY.year - 99, 1, 1), TODAY)
expiries = st.dates(date(2000, 1, 1), date(2099, 12, 31))


@st.composite
def travellers(draw, opt: int = 14, opt2: int = 0) -> gen.Traveller:
    return gen.Traveller(
        surname=draw(words), given_names=draw(words),
        number=draw(st.from_regex(r"[A-Z0-9]{1,9}", fullmatch=True)),
        nationality=draw(st.from_regex(r"[A-Z]{3}", fullmatch=True)),
        birth=draw(births), sex=draw(st.sampled_from("MF<")), expiry=draw(expiries),
        issuing_state=draw(st.sampled_from(["", "USA", "MEX", "UTO"])),
        optional=draw(alnum(opt)), optional2=draw(alnum(opt2)),
    )


def assert_same_person(parsed: dict, t: gen.Traveller, fmt: str) -> None:
    assert parsed["format"] == fmt and parsed["valid"] is True, parsed["checks"]
    assert all(parsed["checks"].values())
    assert (parsed["surname"], parsed["given_names"]) == (t.surname, t.given_names)
    assert parsed["document_number"] == t.number and parsed["nationality"] == t.nationality
    assert parsed["issuing_state"] == (t.issuing_state or t.nationality)
    assert parsed["birth_date"] == t.birth.isoformat()
    assert parsed["expiry_date"] == t.expiry.isoformat()
    assert parsed["sex"] == {"<": "X"}.get(t.sex, t.sex)


@given(travellers(opt=14))
def test_td3_roundtrip(t: gen.Traveller) -> None:
    assume(len(t.surname) + len(t.given_names) <= 37)  # longer names are truncated by design
    parsed = parse_mrz(gen.td3(t))
    assert_same_person(parsed, t, "TD3")
    assert parsed["optional_data"] == t.optional


@given(travellers(opt=7))
def test_td2_roundtrip(t: gen.Traveller) -> None:
    assume(len(t.surname) + len(t.given_names) <= 29)
    parsed = parse_mrz(gen.td2(t))
    assert_same_person(parsed, t, "TD2")
    assert parsed["optional_data"] == t.optional


@given(travellers(opt=15, opt2=11))
def test_td1_roundtrip(t: gen.Traveller) -> None:
    assume(len(t.surname) + len(t.given_names) <= 28)
    parsed = parse_mrz(gen.td1(t))
    assert_same_person(parsed, t, "TD1")
    assert parsed["optional_data"] == f"{t.optional} {t.optional2}".strip()


@given(travellers(), st.sampled_from(["TD1", "TD2", "TD3"]), st.data())
def test_one_corrupted_check_digit_is_flagged(t: gen.Traveller, fmt: str, data) -> None:
    lines = gen.MRZ_BUILDERS[fmt](t)
    positions = {"TD3": [(1, 9), (1, 19), (1, 27), (1, 43)], "TD2": [(1, 9), (1, 19), (1, 27), (1, 35)],
                 "TD1": [(0, 14), (1, 6), (1, 14), (1, 29)]}[fmt]
    line, pos = data.draw(st.sampled_from(positions))
    parsed = parse_mrz(gen.corrupt_check_digit(lines, line, pos))
    assert parsed["valid"] is False and list(parsed["checks"].values()).count(False) >= 1


@given(st.randoms(use_true_random=False), st.sampled_from(["TD1", "TD2", "TD3"]))
def test_passport_reader_frames_roundtrip(rng: random.Random, fmt: str) -> None:
    lines = gen.random_mrz(rng, fmt)
    framer = BlockFramer()
    (payload,) = framer.feed(b"\xff noise" + build_frame(lines))
    assert parse_mrz(clean_lines(payload[2:-1].decode("latin-1")))["lines"] == lines
    plain = [f.decode() for f in LineFramer("CR").feed(build_plain(lines))]
    assert parse_mrz(plain)["valid"] is True


@st.composite
def licences(draw) -> gen.Licence:
    country = draw(st.sampled_from(["USA", "CAN"]))
    return gen.Licence(
        number=draw(st.from_regex(r"[A-Z0-9]{1,20}", fullmatch=True)),
        family_name=draw(words), first_name=draw(words),
        birth=draw(st.dates(date(1900, 1, 1), TODAY)), expiry=draw(expiries),
        issue=draw(st.dates(date(1990, 1, 1), TODAY)), sex=draw(st.sampled_from("129")),
        jurisdiction=draw(st.sampled_from(["TX", "CA", "AZ", "NM", "ON"])), country=country,
    )


@given(licences(), st.integers(1, 10))
def test_aamva_roundtrip_every_version(lic: gen.Licence, version: int) -> None:
    payload = gen.licence_payload(lic, version=version)
    parsed = parse_aamva(payload)
    assert (parsed["version"], parsed["document_type"], parsed["iin"]) == (version, "DL", "636015")
    assert parsed["jurisdiction_version"] == (None if version == 1 else 0)
    assert (parsed["number"], parsed["family_name"], parsed["first_name"]) == (
        lic.number, lic.family_name, lic.first_name)
    assert parsed["birth_date"] == lic.birth.isoformat()
    assert parsed["expiry_date"] == lic.expiry.isoformat()
    assert parsed["issue_date"] == lic.issue.isoformat()
    assert (parsed["country"], parsed["jurisdiction"], parsed["sex"]) == (
        lic.country, lic.jurisdiction, lic.sex)
    frame = BarcodeScanner.frame(payload, "]L2", b"", b"\r")
    found = classify(*split_symbology(frame[:-1]))
    assert (found.type, found.value) == ("aamva", lic.number)


@given(st.from_regex(r"[A-Z]{4}", fullmatch=True), st.from_regex(r"[A-Z0-9]{1,12}", fullmatch=True))
def test_paps_roundtrip(scac: str, ref: str) -> None:
    assert parse_paps(gen.paps_number(scac, ref)) == {"scn": scac + ref, "scac": scac, "reference": ref}


@given(st.integers(2000, 2099), st.integers(0, 99), st.integers(0, 9999), st.integers(1, 999_999),
       st.booleans())
def test_pedimento_roundtrip(year: int, aduana: int, patente: int, counter: int, printed: bool) -> None:
    number = gen.pedimento_number(year, aduana, patente, counter, printed=printed)
    parsed = parse_pedimento(number)
    assert parsed["number"] == number.replace(" ", "") and len(parsed["number"]) == 15
    assert (int(parsed["aduana"]), int(parsed["patente"])) == (aduana, patente)
    assert parsed["year"] == f"{year % 100:02d}" and parsed["year_digit_ok"] is True
    assert int(parsed["sequence"][1:]) == counter


@given(st.randoms(use_true_random=False))
def test_scanned_customs_labels_are_classified(rng: random.Random) -> None:
    for number, kind in ((gen.random_paps(rng), "paps"), (gen.random_pedimento(rng), "pedimento")):
        frame = BarcodeScanner.frame(number, "]C0", b"\x02", b"\r\n")
        found = classify(*split_symbology(frame[1:-2]))
        assert (found.type, found.value) == (kind, number.replace(" ", ""))


mock_tags = st.builds(
    MockTag, epc=st.from_regex(r"[0-9A-F]{24}", fullmatch=True), antenna=st.integers(0, 3),
    discovered=st.datetimes(datetime(2000, 1, 1), datetime(2099, 1, 1)).map(lambda d: d.replace(microsecond=0)),
    last_seen=st.datetimes(datetime(2000, 1, 1), datetime(2099, 1, 1)).map(lambda d: d.replace(microsecond=0)),
    count=st.integers(1, 10**6),
)


@given(mock_tags, st.sampled_from(["Text", "Terse"]))
def test_alien_tag_lines_roundtrip(tag: MockTag, fmt: str) -> None:
    parsed = parse_tag_line(format_tag(tag, fmt))
    assert (parsed.epc, parsed.count, parsed.antenna) == (tag.epc, tag.count, tag.antenna)
    if fmt == "Text":
        assert parsed.discovered == tag.discovered.isoformat()
        assert parsed.last_seen == tag.last_seen.isoformat() and parsed.protocol == "2"


@settings(max_examples=30)
@given(st.lists(mock_tags, min_size=1, max_size=4, unique_by=lambda t: t.epc),
       st.sampled_from(["Text", "Terse", "XML"]))
def test_alien_lists_and_notifications_roundtrip(tags: list[MockTag], fmt: str) -> None:
    parsed, rejected = parse_taglist(format_tag_list(tags, fmt) + "\x00")
    assert rejected == [] and [t.epc for t in parsed] == [t.epc for t in tags]
    # Never started: notification() only formats, so no pty is opened.
    reader = AlienRfidReader("r", Path("unused"), clock=lambda: datetime(2025, 3, 14, 9, 26, 53))
    reader.attributes["NotifyFormat"] = fmt
    note = parse_notification(reader.notification(tags, "TAGS ADDED").decode("latin-1"))
    assert note.header["Reason"] == "TAGS ADDED" and note.header["Time"] == "2025/03/14 09:26:53"
    assert [t.epc for t in note.tags] == [t.epc for t in tags] and note.rejected == []
