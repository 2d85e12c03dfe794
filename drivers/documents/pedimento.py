"""Mexican customs entry (pedimento) number, Anexo 22: yy aduana patente sequence."""

from __future__ import annotations

import re
from typing import Any

_PRINTED = re.compile(r"^([0-9]{2}) *([0-9]{2}) *([0-9]{4}) *([0-9]{7})$")


class PedimentoError(ValueError):
    """Text that is not a 15-digit pedimento number."""


def parse_pedimento(text: str) -> dict[str, Any]:
    """Parse '24  07  3456  4001234' or '240734564001234'; there is no check digit."""
    m = _PRINTED.match(text.strip())
    if not m:
        raise PedimentoError(f"not a pedimento number: {text[:40]!r}")
    yy, aduana, patente, seq = m.groups()
    # The first sequence digit is normally the year's last digit; exceptions exist
    # (consolidated entries, rectifications), so a mismatch is only a warning.
    year_digit_ok = seq[0] == yy[1]
    return {
        "number": yy + aduana + patente + seq, "year": yy, "aduana": aduana,
        "patente": patente, "sequence": seq, "year_digit_ok": year_digit_ok}
