"""Mock serial barcode scanner (protocols.md §2): ``[prefix][AIM id][data][suffix]``."""

from __future__ import annotations

import re
from pathlib import Path

from garita.hardware_mocks.pty_device import PtyDevice

_AIM = re.compile(r"^\][A-Za-z][0-9A-Za-z]$")


def encode(data: str | bytes) -> bytes:
    """Bytes of the decoded symbol; text is Latin-1 so control characters pass unchanged."""
    return data if isinstance(data, bytes) else data.encode("latin-1")


class BarcodeScanner(PtyDevice):
    """A scanner on a pty that transmits each read as one frame."""

    def __init__(
        self, name: str, workdir: Path, prefix: bytes = b"", suffix: bytes = b"\r"
    ) -> None:
        """Prepare the scanner; prefix/suffix are programmable on real scanners."""
        super().__init__(name, workdir)
        self.prefix = prefix
        self.suffix = suffix

    @staticmethod
    def frame(data: str | bytes, symbology: str, prefix: bytes, suffix: bytes) -> bytes:
        """Bytes the scanner sends for one read; ``symbology`` "" means AIM ids disabled."""
        if symbology and not _AIM.match(symbology):
            raise ValueError(f"AIM symbology id must look like ']C0', got {symbology!r}")
        return prefix + symbology.encode("ascii") + encode(data) + suffix

    def scan(self, data: str | bytes, symbology: str = "]C0") -> bytes:
        """Transmit one read and return the frame bytes."""
        frame = self.frame(data, symbology, self.prefix, self.suffix)
        self.port.write(frame)
        return frame
