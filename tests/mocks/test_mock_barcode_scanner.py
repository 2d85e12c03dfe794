"""Barcode scanner emulator: exact bytes per protocols.md §2 and §4/§5 vectors."""

from __future__ import annotations

from pathlib import Path

import pytest

from garita.hardware_mocks.barcode_emulator import BarcodeScanner
from tests.mocks.serial_helpers import read_until

AAMVA = (
    b"@\n\x1e\rANSI 636015100002DL00410226ZT02670013"
    b"DLDCAC\nDCBNONE\nDCDNONE\nDBA08152030\nDCSSAMPLE\nDACJANE\nDADQ\n"
    b"DBD08152022\nDBB07041990\nDBC2\nDAYBRO\nDAU064 in\nDAG123 MAIN ST\n"
    b"DAIEL PASO\nDAJTX\nDAK799010000  \nDAQ12345678\n"
    b"DCF00000000000000000000\nDCGUSA\nDDEN\nDDFN\nDDGN\nDDAF\nDDB07162021\r"
    b"ZTZTAEXAMPLE\r"
)


@pytest.fixture
def scanner(tmp_path: Path):
    dev = BarcodeScanner("scanner-1", tmp_path)
    dev.start()
    yield dev
    dev.stop()


@pytest.mark.parametrize(
    ("symbology", "data", "expected"),
    [
        ("]E0", "5901234123457", b"]E05901234123457\r"),
        ("]C1", "00106141411234567897", b"]C100106141411234567897\r"),
        ("]d2", "01095011015300101724123110ABC123", b"]d2010950110153001017241231" b"10ABC123\r"),
        ("]C0", "ABCD2403150001", b"]C0ABCD2403150001\r"),
        ("]C0", "240734564001234", b"]C0240734564001234\r"),
    ],
)
def test_spec_vectors(scanner, open_serial, symbology: str, data: str, expected: bytes) -> None:
    host = open_serial(scanner.endpoint)
    assert scanner.scan(data, symbology) == expected
    assert read_until(host, expected[-1:]) == expected


def test_aamva_pdf417_keeps_control_bytes(scanner, open_serial) -> None:
    host = open_serial(scanner.endpoint)
    scanner.suffix = b"\r\n"
    scanner.scan(AAMVA, "]L2")
    got = read_until(host, b"EXAMPLE\r\r\n")
    assert got == b"]L2" + AAMVA + b"\r\n" and len(AAMVA) == 280


def test_prefix_suffix_and_no_aim(tmp_path: Path, open_serial) -> None:
    dev = BarcodeScanner("scanner-2", tmp_path, prefix=b"\x02", suffix=b"\x03")
    dev.start()
    try:
        host = open_serial(dev.endpoint)
        dev.scan("ABC", symbology="")
        assert read_until(host, b"\x03") == b"\x02ABC\x03"
    finally:
        dev.stop()


def test_bad_symbology_rejected(scanner) -> None:
    with pytest.raises(ValueError, match="AIM"):
        scanner.scan("x", "C0")
