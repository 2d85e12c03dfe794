"""Separate line noise from a scan: bytes a scanner never sends, before the real payload.

A scanner sends printable text, UTF-8, and the few control bytes barcodes carry (GS, RS, FS,
EOT, CR, LF, TAB). Noise on a cable shows up as other control bytes or bytes that are not
UTF-8, usually glued to the front of the next scan because the noise has no terminator.
"""

from __future__ import annotations

import re

_ALLOWED_CONTROLS = frozenset(b"\t\n\r\x04\x1c\x1d\x1e")
_AIM = re.compile(rb"\][A-Za-z][0-9A-Za-z]")


def _noise_end(frame: bytes) -> int:
    """Index just past the last noise byte in frame; 0 when the frame is clean."""
    end = 0
    for index, byte in enumerate(frame):
        if (byte < 0x20 and byte not in _ALLOWED_CONTROLS) or byte == 0x7F:
            end = index + 1
    text = frame[end:]
    while text:
        try:
            text.decode("utf-8")
            break
        except UnicodeDecodeError as exc:
            end += exc.end
            text = frame[end:]
    return end


def strip_noise(frame: bytes) -> tuple[bytes, int]:
    """Return (clean scan, bytes discarded); an empty scan means the frame was all noise.

    After noise, the scan is taken from the first AIM symbology identifier when there is
    one (noise often contains printable bytes too); otherwise the clean tail is kept.
    """
    end = _noise_end(frame)
    if end == 0:
        return frame, 0
    tail = frame[end:]
    match = _AIM.search(tail)
    if match:
        end += match.start()
    return frame[end:], end
