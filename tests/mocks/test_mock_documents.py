"""Synthetic document generators reproduce every vector of protocols.md exactly."""

from __future__ import annotations

import random
import re
from datetime import date

import pytest

from garita.hardware_mocks import documents as gen

ANNA = dict(surname="ERIKSSON", given_names="ANNA MARIA", nationality="UTO",
            birth=date(1974, 8, 12), sex="F", expiry=date(2012, 4, 15))
AAMVA_VECTOR = (
    b"@\n\x1e\rANSI 636015100002DL00410226ZT02670013"
    b"DLDCAC\nDCBNONE\nDCDNONE\nDBA08152030\nDCSSAMPLE\nDACJANE\nDADQ\n"
    b"DBD08152022\nDBB07041990\nDBC2\nDAYBRO\nDAU064 in\nDAG123 MAIN ST\n"
    b"DAIEL PASO\nDAJTX\nDAK799010000  \nDAQ12345678\n"
    b"DCF00000000000000000000\nDCGUSA\nDDEN\nDDFN\nDDGN\nDDAF\nDDB07162021\r"
    b"ZTZTAEXAMPLE\r"
)


def test_check_digit_worked_example() -> None:
    assert gen.mrz_check_digit("L898902C3") == "6"
    assert gen.mrz_check_digit("<<<<<<<<<<<<<<") == "0"


def test_icao_specimens() -> None:
    assert gen.td3(gen.Traveller(number="L898902C3", optional="ZE184226B", **ANNA)) == [
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]
    assert gen.td2(gen.Traveller(number="D23145890", **ANNA)) == [
        "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6"]
    assert gen.td1(gen.Traveller(number="D23145890", **ANNA)) == [
        "I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6",
        "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"]


def test_synthetic_mexican_passport_vector() -> None:
    t = gen.Traveller("GARCIA LOPEZ", "JUAN CARLOS", "G12345678", "MEX", date(1985, 3, 15), "M",
                      date(2031, 1, 1))
    assert gen.td3(t) == ["P<MEXGARCIA<LOPEZ<<JUAN<CARLOS<<<<<<<<<<<<<<",
                          "G123456786MEX8503150M3101012<<<<<<<<<<<<<<<8"]


def test_corrupt_check_digit_changes_one_character() -> None:
    lines = gen.td3(gen.Traveller(number="L898902C3", optional="ZE184226B", **ANNA))
    bad = gen.corrupt_check_digit(lines, 1, 9)
    assert bad[1][9] == "7" and bad[1][:9] == lines[1][:9] and bad[0] == lines[0]


def test_aamva_vector_rebuilt_byte_for_byte() -> None:
    dl = {"DCA": "C", "DCB": "NONE", "DCD": "NONE", "DBA": "08152030", "DCS": "SAMPLE",
          "DAC": "JANE", "DAD": "Q", "DBD": "08152022", "DBB": "07041990", "DBC": "2",
          "DAY": "BRO", "DAU": "064 in", "DAG": "123 MAIN ST", "DAI": "EL PASO", "DAJ": "TX",
          "DAK": "799010000  ", "DAQ": "12345678", "DCF": "0" * 20, "DCG": "USA", "DDE": "N",
          "DDF": "N", "DDG": "N", "DDA": "F", "DDB": "07162021"}
    payload = gen.aamva_payload({"DL": dl, "ZT": {"ZTA": "EXAMPLE"}})
    assert payload == AAMVA_VECTOR and len(payload) == 280


def test_aamva_version_01_header_is_19_bytes() -> None:
    payload = gen.aamva_payload({"DL": {"DAQ": "X1"}}, version=1)
    assert payload[:19] == b"@\n\x1e\rANSI 6360150101" and payload[19:29] == b"DL00290008"
    assert payload[29:] == b"DLDAQX1\r"
    assert gen.aamva_date(date(2030, 8, 15), "CAN") == "20300815"
    assert gen.aamva_date(date(2030, 8, 15)) == "08152030"


def test_customs_numbers() -> None:
    assert gen.paps_number("ABCD", "2403150001") == "ABCD2403150001"
    assert gen.pedimento_number(2024, 7, 3456, 1234) == "24  07  3456  4001234"
    assert gen.pedimento_number(2024, 7, 3456, 1234, printed=False) == "240734564001234"
    with pytest.raises(ValueError, match="SCAC"):
        gen.paps_number("AB1D", "1")
    with pytest.raises(ValueError, match="aduana"):
        gen.pedimento_number(2024, 100, 1, 1)


def test_random_documents_are_well_formed() -> None:
    rng = random.Random(7)
    for fmt, shape in (("TD1", (3, 30)), ("TD2", (2, 36)), ("TD3", (2, 44))):
        lines = gen.random_mrz(rng, fmt)
        assert (len(lines), len(lines[0])) == shape
        assert all(re.fullmatch(r"[A-Z0-9<]+", ln) and len(ln) == shape[1] for ln in lines)
    assert re.fullmatch(r"[A-Z]{4}\d{10}", gen.random_paps(rng))
    number = gen.random_pedimento(rng, year=2026)
    assert re.fullmatch(r"26  \d\d  \d{4}  6\d{6}", number)
