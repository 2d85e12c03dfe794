"""Line noise is separated from scans: clean scans pass untouched, noise never survives."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from garita.drivers.line_noise import strip_noise

printable = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=60)
noise_byte = st.sampled_from([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x1C), 0x1F, 0x7F, 0xFE, 0xFF])


def test_clean_scans_are_untouched() -> None:
    for scan in [b"]C0ABCD2403150001", b"@\n\x1e\rANSI 636014", "]Q1https://x/?re=JOSÉ".encode()]:
        assert strip_noise(scan) == (scan, 0)


def test_noise_before_an_aim_identifier_is_cut_at_the_identifier() -> None:
    assert strip_noise(b"\xff #~\xfe]C0ABCD2403150001") == (b"]C0ABCD2403150001", 5)


def test_a_frame_of_noise_only_leaves_nothing() -> None:
    assert strip_noise(b"\x00\x13\x7f") == (b"", 3)


@given(printable)
def test_printable_scans_pass(scan: str) -> None:
    assert strip_noise(scan.encode()) == (scan.encode(), 0)


@given(st.lists(noise_byte, min_size=1, max_size=20), st.binary(max_size=10), printable)
def test_noise_then_aim_scan_recovers_the_scan(noise: list[int], junk: bytes, body: str) -> None:
    scan = b"]C0" + body.encode()
    clean, discarded = strip_noise(bytes(noise) + junk + scan)
    assert clean.endswith(scan) or clean == scan
    assert discarded == len(bytes(noise) + junk + scan) - len(clean)


@given(st.binary(max_size=200))
def test_result_never_holds_noise(frame: bytes) -> None:
    clean, discarded = strip_noise(frame)
    assert frame.endswith(clean) and discarded == len(frame) - len(clean)
    clean.decode("utf-8")  # never raises
    assert not any((b < 0x20 and b not in b"\t\n\r\x04\x1c\x1d\x1e") or b == 0x7F for b in clean)
