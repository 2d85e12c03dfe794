"""Document parsers: every protocols.md vector recomputed, plus hypothesis properties."""

import contextlib
import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from garita.drivers.documents.aamva import AamvaError, expected_length, parse_aamva
from garita.drivers.documents.aim import split_symbology
from garita.drivers.documents.cfdi import CfdiError, parse_sat_url
from garita.drivers.documents.classify import classify
from garita.drivers.documents.gs1 import GS, Gs1Error, gs1_check_digit, parse_gs1
from garita.drivers.documents.mrz import MrzError, check_digit, parse_date, parse_mrz
from garita.drivers.documents.paps import PapsError, parse_paps
from garita.drivers.documents.pedimento import PedimentoError, parse_pedimento

TD3 = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
       "L898902C36UTO7408122F1204159ZE184226B<<<<<10")
TD3_OLD_L2 = "L898902C<3UTO6908061F9406236ZE184226B<<<<<14"
TD2 = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6"
TD1 = ("I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\n"
       "ERIKSSON<<ANNA<MARIA<<<<<<<<<<")
MEX = ("P<MEXGARCIA<LOPEZ<<JUAN<CARLOS<<<<<<<<<<<<<<\n"
       "G123456786MEX8503150M3101012<<<<<<<<<<<<<<<8")
AAMVA = (b"@\n\x1e\rANSI 636015100002DL00410226ZT02670013"
         b"DLDCAC\nDCBNONE\nDCDNONE\nDBA08152030\nDCSSAMPLE\nDACJANE\nDADQ\n"
         b"DBD08152022\nDBB07041990\nDBC2\nDAYBRO\nDAU064 in\nDAG123 MAIN ST\n"
         b"DAIEL PASO\nDAJTX\nDAK799010000  \nDAQ12345678\n"
         b"DCF00000000000000000000\nDCGUSA\nDDEN\nDDFN\nDDGN\nDDAF\nDDB07162021\r"
         b"ZTZTAEXAMPLE\r")
CFDI = ("https://verificacfdi.facturaelectronica.sat.gob.mx/default.aspx?"
        "id=AD662D33-6934-459C-A128-BDF0393E0F44&re=EKU9003173C9&rr=XAXX010101000"
        "&tt=1500.00&fe=Qz7pVw==")
CCP = ("https://verificacfdi.facturaelectronica.sat.gob.mx/verificaccp/default.aspx?"
       "IdCCP=CCC0A1B2-C3D4-4E5F-8A6B-7C8D9E0F1A2B&FechaOrig=2025-03-14T09:00:00"
       "&FechaTimb=2025-03-14T09:05:00")


def test_check_digit_worked_example() -> None:
    assert check_digit("L898902C3") == 6
    assert [check_digit(f) for f in ("740812", "120415", "ZE184226B<<<<<")] == [2, 9, 1]


@pytest.mark.parametrize(("text", "fmt", "number"), [
    (TD3, "TD3", "L898902C3"), (TD2, "TD2", "D23145890"), (TD1, "TD1", "D23145890"),
    (MEX, "TD3", "G12345678"),
    (TD3.split("\n")[0] + "\n" + TD3_OLD_L2, "TD3", "L898902C"),
])
def test_mrz_vectors_all_checks_pass(text: str, fmt: str, number: str) -> None:
    r = parse_mrz(text)
    assert (r["format"], r["document_number"], r["valid"]) == (fmt, number, True)
    assert all(r["checks"].values()) and len(r["checks"]) >= 4


def test_mrz_fields() -> None:
    r = parse_mrz(TD3)
    assert (r["surname"], r["given_names"], r["issuing_state"]) == ("ERIKSSON", "ANNA MARIA", "UTO")
    assert (r["birth_date"], r["expiry_date"], r["sex"]) == ("1974-08-12", "2012-04-15", "F")
    assert r["document_type"] == "P" and r["nationality"] == "UTO"
    mex = parse_mrz(MEX)
    assert (mex["surname"], mex["given_names"]) == ("GARCIA LOPEZ", "JUAN CARLOS")
    assert (mex["birth_date"], mex["expiry_date"]) == ("1985-03-15", "2031-01-01")


def test_mrz_bad_check_digit_is_flagged_not_raised() -> None:
    r = parse_mrz(TD3.replace("C36UTO", "C35UTO"))
    assert r["valid"] is False and r["checks"]["document_number"] is False
    assert r["checks"]["birth_date"] is True


def test_mrz_filler_is_no_check_digit_for_a_personal_number() -> None:
    """'<' stands in for the check digit only of an all-filler optional field, never of one with data."""
    l1, l2 = TD3.split("\n")
    filler = l2[:42] + "<"
    l2 = filler + str(check_digit(filler[0:10] + filler[13:20] + filler[21:43]))  # composite still right
    r = parse_mrz([l1, l2])
    assert r["optional_data"] == "ZE184226B" and r["checks"]["composite"] is True
    assert r["checks"]["optional_data"] is False and r["valid"] is False
    assert parse_mrz(MEX)["checks"]["optional_data"] is True  # all filler: '<' is allowed there


def test_mrz_padding_and_framing_stripped() -> None:
    l1, l2 = TD3.split("\n")
    assert parse_mrz(f"\r{l1}\r{l2}\r")["valid"]
    assert parse_mrz(["_" * 30, l1, l2])["valid"]


def test_mrz_century_rule() -> None:
    today = date(2025, 1, 1)
    assert parse_date("250101", expiry=False, today=today) == "2025-01-01"
    assert parse_date("260101", expiry=False, today=today) == "1926-01-01"
    assert parse_date("990101", expiry=True, today=today) == "2099-01-01"
    assert parse_date("991399", expiry=True, today=today) is None


def _td3(code: str, state: str, name: str, number: str, nat: str, dob: str, sex: str, exp: str,
         optional: str = "") -> list[str]:
    """A TD3 (or, with code V, an MRV-A visa) zone with every check digit computed."""
    digit = lambda field: str(check_digit(field))  # noqa: E731
    opt = optional.ljust(14, "<")
    l2 = (number + digit(number) + nat + dob + digit(dob) + sex + exp + digit(exp) + opt
          + ("<" if not optional else digit(opt)))
    l2 += "<" if code.startswith("V") else digit(l2[0:10] + l2[13:20] + l2[21:43])
    return [(code.ljust(2, "<") + state + name).ljust(44, "<"), l2]


TD3_FIELDS = ("document_type", "document_code", "issuing_state", "surname", "given_names", "document_number",
              "nationality", "birth_date", "sex", "expiry_date", "optional_data", "valid")


@pytest.mark.parametrize(("lines", "expected"), [
    (TD3.split("\n"), ("P", "P", "UTO", "ERIKSSON", "ANNA MARIA", "L898902C3", "UTO", "1974-08-12", "F",
                       "2012-04-15", "ZE184226B", True)),
    (MEX.split("\n"), ("P", "P", "MEX", "GARCIA LOPEZ", "JUAN CARLOS", "G12345678", "MEX", "1985-03-15", "M",
                       "2031-01-01", "", True)),
    (_td3("PD", "D<<", "MUSTERMANN<<ERIKA", "C01X00T47", "D<<", "641012", "<", "321231", "PERS1234X"),
     ("PD", "PD", "D", "MUSTERMANN", "ERIKA", "C01X00T47", "D", "1964-10-12", "X", "2032-12-31", "PERS1234X",
      True)),
    (_td3("V", "USA", "DOE<<JANE", "VS1234567", "MEX", "901130", "F", "301130"),
     ("V", "V", "USA", "DOE", "JANE", "VS1234567", "MEX", "1990-11-30", "F", "2030-11-30", "", True)),
    (TD1.split("\n"), ("I", "I<", "UTO", "ERIKSSON", "ANNA MARIA", "D23145890", "UTO", "1974-08-12", "F",
                       "2012-04-15", "", True)),
    (TD2.split("\n"), ("I", "I<", "UTO", "ERIKSSON", "ANNA MARIA", "D23145890", "UTO", "1974-08-12", "F",
                       "2012-04-15", "", True)),
])
def test_mrz_every_field_of_each_format(lines: list[str], expected: tuple) -> None:
    r = parse_mrz(lines)
    assert tuple(r[field] for field in TD3_FIELDS) == expected
    visa, fmt = lines[0].startswith("V"), r["format"]
    keys = {"document_number", "birth_date", "expiry_date"} | ({"optional_data"} if fmt == "TD3" else set())
    assert set(r["checks"]) == keys | (set() if visa else {"composite"})  # a visa has no composite digit


def test_mrz_td1_optional_data_of_both_lines_and_its_composite() -> None:
    digit = lambda field: str(check_digit(field))  # noqa: E731
    l1 = "IDD<<" + "T22000129" + digit("T22000129") + "PERSONALX<<<<<<"
    l2 = "640812" + digit("640812") + "<" + "321031" + digit("321031") + "D<<" + "EXTRA2X<<<<"
    l2 += digit(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29])
    r = parse_mrz(f"{l1}\n{l2}\nMUSTERMANN<<ERIKA<<<<<<<<<<<<<")
    assert (r["document_code"], r["issuing_state"], r["nationality"], r["sex"]) == ("ID", "D", "D", "X")
    assert (r["birth_date"], r["expiry_date"], r["optional_data"]) == ("1964-08-12", "2032-10-31", "PERSONALX EXTRA2X")
    assert r["checks"] == dict.fromkeys(("document_number", "birth_date", "expiry_date", "composite"), True)
    assert r["valid"] and r["lines"] == [l1, l2, "MUSTERMANN<<ERIKA<<<<<<<<<<<<<"]
    for place in (29, 30 + 14, 30 + 18, 30 + 28):  # each covered field breaks the composite
        zone = (l1 + l2)[:place] + ("9" if (l1 + l2)[place] != "9" else "8") + (l1 + l2)[place + 1:]
        assert parse_mrz([zone[:30], zone[30:], "MUSTERMANN<<ERIKA<<<<<<<<<<<<<"])["checks"]["composite"] is False


def test_mrz_spaces_inside_a_line_are_dropped() -> None:
    l1, l2 = TD3.split("\n")
    r = parse_mrz(f"{l1[:10]} {l1[10:]}\n{l2[:9]} {l2[9:]}")
    assert r["valid"] and r["lines"] == [l1, l2]


def test_mrz_unknown_birth_date_is_a_failed_check_not_a_filler() -> None:
    l1, l2 = TD3.split("\n")
    r = parse_mrz([l1, l2[:13] + "<<<<<<<" + l2[20:]])  # '<' only stands in for an empty optional field
    assert r["checks"]["birth_date"] is False and r["birth_date"] is None and r["valid"] is False


@pytest.mark.parametrize(("text", "message"), [
    ("", "not an MRZ: 0 line(s) of length nothing"),
    ("HELLO", "not an MRZ: 1 line(s) of length 5"),
    ("ABC\nABCD", "not an MRZ: 2 line(s) of length 3x4"),
    ("P<UTO" + "<" * 38 + "%\n" + "<" * 44, "MRZ line has characters outside A-Z 0-9 '<'"),
])
def test_mrz_malformed_says_why(text: str, message: str) -> None:
    with pytest.raises(MrzError, match="^" + re.escape(message)):
        parse_mrz(text)


def test_mrz_character_values() -> None:
    from garita.drivers.documents.mrz import char_value

    assert [char_value(c) for c in "09AZ<"] == [0, 9, 10, 35, 0]
    with pytest.raises(MrzError, match=r"^character 'a' is not allowed in an MRZ$"):
        char_value("a")


@pytest.mark.parametrize("bad", ["", "HELLO", TD3.split("\n")[0], TD3.lower() + "é"])
def test_mrz_malformed_raises(bad: str) -> None:
    with pytest.raises(MrzError):
        parse_mrz(bad)


@given(st.text(max_size=120))
def test_mrz_only_raises_mrz_error(text: str) -> None:
    with contextlib.suppress(MrzError):
        parse_mrz(text)


@given(st.lists(st.text(alphabet="ABCDEFXYZ0123456789<", min_size=44, max_size=44),
                min_size=2, max_size=2))
def test_mrz_random_td3_shape_always_parses(lines: list[str]) -> None:
    r = parse_mrz(lines)
    assert r["format"] == "TD3" and isinstance(r["valid"], bool)


def test_aamva_vector() -> None:
    assert len(AAMVA) == 280 and expected_length(AAMVA) == 280
    r = parse_aamva(AAMVA)
    assert (r["version"], r["iin"], r["number"], r["family_name"]) == (10, "636015", "12345678",
                                                                        "SAMPLE")
    assert (r["birth_date"], r["expiry_date"], r["issue_date"]) == ("1990-07-04", "2030-08-15",
                                                                     "2022-08-15")
    assert r["subfiles"] == ["DL", "ZT"] and r["jurisdiction"] == "TX"


def _aamva_v1_canada() -> bytes:
    body = b"DLDAQA1234\nDCGCAN\nDBB19900704\nDCSDOE\r"
    return b"@\n\x1e\rANSI 6360170101DL0029" + b"%04d" % len(body) + body


def test_aamva_version_01_and_canadian_dates() -> None:
    raw = _aamva_v1_canada()
    r = parse_aamva(raw)
    assert r["version"] == 1 and r["jurisdiction_version"] is None
    assert r["birth_date"] == "1990-07-04" and r["number"] == "A1234"


def test_aamva_bad_offset() -> None:
    with pytest.raises(AamvaError):
        parse_aamva(AAMVA.replace(b"DL00410226", b"DL00500226"))


@given(st.binary(max_size=300))
def test_aamva_only_raises_aamva_error(raw: bytes) -> None:
    for data in (raw, AAMVA[:21] + raw, AAMVA[: len(raw) % 280] + raw):
        try:
            parse_aamva(data)
            expected_length(data)
        except AamvaError:
            pass


def test_paps_and_pedimento() -> None:
    assert parse_paps("ABCD2403150001") == {"scn": "ABCD2403150001", "scac": "ABCD",
                                            "reference": "2403150001"}
    with pytest.raises(PapsError):
        parse_paps("ABC12345678901234")
    p = parse_pedimento("24  07  3456  4001234")
    assert p["number"] == "240734564001234" and p["year_digit_ok"]
    assert (p["aduana"], p["patente"], p["sequence"]) == ("07", "3456", "4001234")
    assert parse_pedimento("240734565001234")["year_digit_ok"] is False
    with pytest.raises(PedimentoError):
        parse_pedimento("24073456400123")


@given(st.text(max_size=40))
def test_paps_pedimento_only_raise_own_errors(text: str) -> None:
    for fn, err in ((parse_paps, PapsError), (parse_pedimento, PedimentoError)):
        with contextlib.suppress(err):
            fn(text)


@given(st.from_regex(r"[A-Z]{4}[A-Z0-9]{1,12}", fullmatch=True))
def test_paps_roundtrip(scn: str) -> None:
    assert parse_paps(scn)["scn"] == scn


def test_cfdi_and_carta_porte() -> None:
    c = parse_sat_url(CFDI)
    assert (c["type"], c["uuid"], c["issuer_rfc"], c["total"], c["seal_tail"]) == (
        "cfdi", "AD662D33-6934-459C-A128-BDF0393E0F44", "EKU9003173C9", "1500.00", "Qz7pVw==")
    assert parse_sat_url(CFDI.replace("?id=", "?&id="))["uuid_ok"]
    p = parse_sat_url(CCP)
    assert p["type"] == "carta_porte" and p["id_ccp"] == "CCC0A1B2-C3D4-4E5F-8A6B-7C8D9E0F1A2B"
    assert len(p["id_ccp"]) == 36 and p["fecha_orig"] == "2025-03-14T09:00:00"
    with pytest.raises(CfdiError):
        parse_sat_url("https://example.com/?id=1")


@given(st.text(max_size=120))
def test_cfdi_only_raises_cfdi_error(text: str) -> None:
    for t in (text, "https://verificacfdi.facturaelectronica.sat.gob.mx/?" + text):
        with contextlib.suppress(CfdiError):
            parse_sat_url(t)


def test_gs1_vectors() -> None:
    assert gs1_check_digit("590123412345") == 7
    assert gs1_check_digit("10614141123456789") == 7
    assert gs1_check_digit("0950110153001") == 0
    r = parse_gs1("010950110153001017241231" "10ABC123")
    assert r["ai"] == {"01": "09501101530010", "17": "241231", "10": "ABC123"} and r["valid"]
    r2 = parse_gs1("10LOT7" + GS + "21SER9")
    assert r2["batch"] == "LOT7" and r2["serial"] == "SER9"
    with pytest.raises(Gs1Error):
        parse_gs1("99XYZ")


@given(st.text(max_size=80))
def test_gs1_only_raises_gs1_error(text: str) -> None:
    with contextlib.suppress(Gs1Error):
        parse_gs1(text)


@given(st.from_regex(r"[0-9]{13}", fullmatch=True), st.from_regex(r"[A-Z0-9]{1,20}",
                                                                    fullmatch=True))
def test_gs1_roundtrip(body: str, lot: str) -> None:
    gtin = body + str(gs1_check_digit(body))
    r = parse_gs1(f"01{gtin}10{lot}{GS}21{lot}")
    assert r["gtin"] == gtin and r["batch"] == lot and r["serial"] == lot and r["valid"]


@pytest.mark.parametrize(("scan", "kind", "value"), [
    (b"]E05901234123457", "raw", "5901234123457"),
    (b"]C100106141411234567897", "gs1", "106141411234567897"),
    (b"]d2010950110153001017241231" b"10ABC123", "gs1", "09501101530010"),
    (b"]C0ABCD2403150001", "paps", "ABCD2403150001"),
    (b"]C024  07  3456  4001234", "pedimento", "240734564001234"),
    (b"]Q1" + CFDI.encode(), "cfdi", "AD662D33-6934-459C-A128-BDF0393E0F44"),
    (b"]Q1" + CCP.encode(), "carta_porte", "CCC0A1B2-C3D4-4E5F-8A6B-7C8D9E0F1A2B"),
    (b"]L2" + AAMVA, "aamva", "12345678"),
    (b"HELLO", "raw", "HELLO"),
])
def test_classify(scan: bytes, kind: str, value: str) -> None:
    found = classify(*split_symbology(scan))
    assert (found.type, found.value) == (kind, value)


def test_classify_broken_gs1_is_raw_with_error() -> None:
    found = classify("]C1", b"99XYZ")
    assert found.type == "raw" and "error" in found.fields


@given(st.binary(max_size=300))
def test_classify_never_raises(raw: bytes) -> None:
    for sym in (None, "]C1", "]L2"):
        assert classify(sym, raw).type
    assert split_symbology(raw)[1] in raw
