"""The RF field of the mock LLRP reader: which tags are present, on which antenna, since when."""

from __future__ import annotations

import re
import threading
import time
import zlib
from dataclasses import dataclass

from garita.hardware_mocks.llrp_wire import TagSeen

_HEX = re.compile(r"^(?:[0-9A-F]{2}){2,62}$")
# TagReportContentSelector bits (LLRP 1.0.1 section 16.2.7.1).
SEL_ANTENNA, SEL_RSSI, SEL_FIRST, SEL_LAST, SEL_COUNT = 0x1000, 0x0400, 0x0200, 0x0100, 0x0080
SELECT_ALL = SEL_ANTENNA | SEL_RSSI | SEL_FIRST | SEL_LAST | SEL_COUNT


def normalize_epc(epc: str) -> str:
    """Upper-case hex without spaces (any whole number of 16-bit words up to 496 bits)."""
    digits = "".join(epc.split()).upper()
    if not _HEX.match(digits) or len(digits) % 4:
        raise ValueError(f"EPC must be hex, a whole number of 16-bit words, got {epc!r}")
    return digits


def utc_us() -> int:
    """Now, in LLRP's UTC microseconds."""
    return time.time_ns() // 1000


@dataclass
class _Tag:
    antenna: int
    first_us: int
    rssi: int
    unreported: int = 0


class LlrpField:
    """Thread-safe set of tags in view."""

    def __init__(self) -> None:
        self._tags: dict[str, _Tag] = {}
        self._lock = threading.Lock()

    def put(self, epc: str, antenna: int = 1) -> bool:
        """Bring a tag into view (or move it); True if it was not there."""
        key = normalize_epc(epc)
        rssi = -35 - zlib.crc32(key.encode()) % 40  # stable per tag, in a plausible dBm range
        with self._lock:
            tag = self._tags.get(key)
            if tag is None:
                self._tags[key] = _Tag(antenna, utc_us(), rssi, 1)
                return True
            tag.antenna, tag.unreported = antenna, tag.unreported + 1
            return False

    def remove(self, epc: str) -> None:
        """Take a tag out of view."""
        with self._lock:
            self._tags.pop(normalize_epc(epc), None)

    def clear(self) -> None:
        """Empty the field."""
        with self._lock:
            self._tags.clear()

    def read(self, antennas: frozenset[int], selector: int, only: str | None = None) -> list[TagSeen]:
        """One inventory round on ``antennas`` (empty: all): what the reader reports, per selector."""
        now = utc_us()
        out = []
        with self._lock:
            for epc, tag in self._tags.items():
                if (only and epc != only) or (antennas and tag.antenna not in antennas):
                    continue
                count, tag.unreported = max(1, tag.unreported), 0
                out.append(TagSeen(
                    epc, tag.antenna if selector & SEL_ANTENNA else None, tag.rssi if selector & SEL_RSSI else None,
                    tag.first_us if selector & SEL_FIRST else None, now if selector & SEL_LAST else None,
                    count if selector & SEL_COUNT else None))
        return out

    def __len__(self) -> int:
        with self._lock:
            return len(self._tags)
