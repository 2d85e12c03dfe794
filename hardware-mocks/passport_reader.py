"""Mock passport / ID document reader (protocols.md §3.1) on a pty.

Framed mode (3M RTE-style OEM block), one block per document::

    SOH len_lo len_hi 'O' 'U' STX flag slot1 CR slot2 CR slot3 CR ETX BCC

The bottom MRZ line is always slot 3, so a 2-line document starts with an empty slot.
Lines are padded with '_' to 30 characters (3-line documents) or 44 (1- and 2-line).

protocols.md marks the length and BCC coverage **unverified**, so both are options:

* ``length_rule`` (default ``"o_bcc"``): the 14-bit little-endian length counts the bytes
  from 'O' through BCC inclusive; alternatives ``"o_etx"``, ``"stx_etx"``, ``"whole"``.
* ``bcc_rule`` (default ``"stx_etx"``): BCC is the XOR of every byte from STX through ETX
  inclusive; alternatives ``"after_stx_etx"``, ``"o_etx"``, ``"soh_etx"``.

The ``bad_bcc`` fault of the port inverts the BCC of the next frame. ``mode="plain"``
instead sends each MRZ line followed by CR, like an OCR imager.
"""

from __future__ import annotations

from functools import reduce
from pathlib import Path
from typing import Literal

from garita.hardware_mocks.pty_device import PtyDevice

SOH, STX, ETX, CR = b"\x01", b"\x02", b"\x03", b"\r"
LengthRule = Literal["o_bcc", "o_etx", "stx_etx", "whole"]
BccRule = Literal["stx_etx", "after_stx_etx", "o_etx", "soh_etx"]
Mode = Literal["framed", "plain"]
MAX_LENGTH = 0x3FFF  # 14 significant bits


def xor(data: bytes) -> int:
    """XOR of all bytes."""
    return reduce(lambda a, b: a ^ b, data, 0)


def slots(lines: list[str]) -> list[str]:
    """The three line slots: bottom-aligned, padded with '_' to 30 or 44."""
    if not 1 <= len(lines) <= 3:
        raise ValueError(f"an MRZ has 1 to 3 lines, got {len(lines)}")
    width = 30 if len(lines) == 3 else 44
    for line in lines:
        if len(line) > width:
            raise ValueError(f"MRZ line longer than {width}: {line!r}")
    return [""] * (3 - len(lines)) + [line.ljust(width, "_") for line in lines]


def build_frame(
    lines: list[str],
    flag: int = 0x30,
    length_rule: LengthRule = "o_bcc",
    bcc_rule: BccRule = "stx_etx",
    bad_bcc: bool = False,
) -> bytes:
    """Build one OEM framed block for an MRZ."""
    text = b"".join(s.encode("ascii") + CR for s in slots(lines))
    head = b"OU"  # 'O' optical device, 'U' unsolicited
    middle = STX + bytes([flag]) + text + ETX  # STX .. ETX
    spans = {"o_bcc": len(head + middle) + 1, "o_etx": len(head + middle)}
    spans |= {"stx_etx": len(middle), "whole": 3 + len(head + middle) + 1}
    length = spans[length_rule]
    if length > MAX_LENGTH:
        raise ValueError("frame too long for a 14-bit length")
    prefix = SOH + length.to_bytes(2, "little")
    covered = {
        "stx_etx": middle,
        "after_stx_etx": middle[1:],
        "o_etx": head + middle,
        "soh_etx": prefix + head + middle,
    }[bcc_rule]
    bcc = xor(covered) ^ (0xFF if bad_bcc else 0)
    return prefix + head + middle + bytes([bcc])


def build_plain(lines: list[str]) -> bytes:
    """Each MRZ line followed by CR, as an OCR-template imager sends it."""
    return b"".join(line.encode("ascii") + CR for line in lines)


class PassportReader(PtyDevice):
    """A document reader on a pty; ``present()`` sends one document."""

    def __init__(
        self,
        name: str,
        workdir: Path,
        mode: Mode = "framed",
        flag: int = 0x30,
        length_rule: LengthRule = "o_bcc",
        bcc_rule: BccRule = "stx_etx",
    ) -> None:
        """Prepare the reader with its (configurable, unverified) framing rules."""
        super().__init__(name, workdir)
        self.mode: Mode = mode
        self.flag = flag
        self.length_rule: LengthRule = length_rule
        self.bcc_rule: BccRule = bcc_rule

    def present(self, lines: list[str]) -> bytes:
        """A document is laid on the glass: send its MRZ and return the bytes."""
        if self.mode == "plain":
            data = build_plain(lines)
        else:
            bad = self.port.faults.bad_bcc
            data = build_frame(lines, self.flag, self.length_rule, self.bcc_rule, bad)
        self.port.write(data)
        return data
