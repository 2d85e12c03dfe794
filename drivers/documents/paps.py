"""CBP ACE e-Manifest shipment control number (PAPS): SCAC + carrier reference."""

from __future__ import annotations

import re
from typing import Any

_SCN = re.compile(r"^([A-Z]{4})([A-Z0-9]{1,12})$")


class PapsError(ValueError):
    """Text that is not a shipment control number."""


def parse_paps(text: str) -> dict[str, Any]:
    """Parse an SCN such as 'ABCD2403150001' into SCAC and reference."""
    scn = text.strip().upper()
    m = _SCN.match(scn)
    if not m:
        raise PapsError(f"not a shipment control number: {text[:40]!r}")
    return {"scn": scn, "scac": m.group(1), "reference": m.group(2)}
