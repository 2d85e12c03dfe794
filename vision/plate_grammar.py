"""Licence-plate grammars per region (protocols.md section 6) and grammar-guided candidate scoring."""

from __future__ import annotations

import re
from dataclasses import dataclass

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS = "0123456789"
# Slot classes used in templates below.
SLOTS: dict[str, str] = {
    "L": LETTERS,
    "D": DIGITS,
    "N": "123456789",
    "A": LETTERS + DIGITS,
    "M": "ABCDEFGHJKLMNPRSTUVWXYZ",  # Mexican serial letters: no I, O, Q (and never Ñ)
    "C": "ABCDEFGHJKLMNPRSTUVWXYZ",  # California letter slots 1 and 3: no I, O, Q
}
# Glyph pairs that OCR swaps; a slot that cannot hold the read character may take its partner.
CONFUSIONS: dict[str, str] = {
    "0": "ODQ", "O": "0DQ", "D": "0O", "Q": "0O", "1": "IL", "I": "1L", "L": "1I",
    "2": "Z", "Z": "2", "5": "S", "S": "5", "8": "B", "B": "8", "6": "G", "G": "6",
    "4": "A", "A": "4", "7": "T", "T": "7", "M": "WN", "W": "MN", "N": "MW", "U": "V", "V": "U",
}


@dataclass(frozen=True)
class PlateFormat:
    """One plate series: region, name, slot template and a prior weight (specific formats weigh more)."""

    region: str
    name: str
    template: str
    weight: float


FORMATS: tuple[PlateFormat, ...] = (
    PlateFormat("us", "california", "NCLCDDD", 1.0),
    PlateFormat("us", "california-next", "DDDLLLD", 0.9),
    PlateFormat("us", "arizona-2008", "LLLDDDD", 1.0),
    PlateFormat("us", "new-mexico-yucca", "DDDLLL", 0.8),
    PlateFormat("us", "new-mexico-turquoise", "LLLDDD", 0.8),
    PlateFormat("us", "new-mexico-chile", "LLLLDD", 0.8),
    PlateFormat("us", "texas", "LLDLDDD", 1.0),
    PlateFormat("us", "texas-truck", "LLDDDDD", 0.9),
    PlateFormat("mx", "mexico-private", "MMMDDDD", 1.0),
    PlateFormat("mx", "mexico-private-short", "MMMDDD", 0.8),
    PlateFormat("mx", "mexico-private-letter", "MMMDDDM", 1.0),
    PlateFormat("mx", "mexico-federal", "DDMMDM", 1.0),
    PlateFormat("mx", "mexico-truck", "MMDDDD", 0.8),
    PlateFormat("mx", "mexico-truck-long", "MMDDDDD", 0.8),
    PlateFormat("br", "brazil", "LLLDDDD", 1.0),
    PlateFormat("br", "mercosur-brazil", "LLLDLDD", 1.0),
)
# Plates outside every series (trailers, vanity, other states) are still reported, with a low prior.
GENERIC_WEIGHT = 0.8
GENERIC_LENGTHS = range(5, 9)
REGIONS = ("us", "mx", "br", "eu", "any")
# Regions where every plate follows one of FORMATS (Brazil: the grey series and Mercosur, nationally): there a
# read outside every series is a misread (a lost or extra character), elsewhere it may be a vanity plate or a
# state without a series here.
CLOSED_REGIONS = frozenset({"br"})


def closed(regions: tuple[str, ...]) -> bool:
    """Whether every plate of these regions fits a known series."""
    return all(region in CLOSED_REGIONS for region in regions)


def normalise(text: str) -> str:
    """Upper-case and drop separators (hyphens, spaces, dots are not part of a registration)."""
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def formats_for(regions: tuple[str, ...]) -> tuple[PlateFormat, ...]:
    """Formats for the lane's regions: 'any' means every known series, 'eu' only the generic grammar."""
    unknown = set(regions) - set(REGIONS)
    if unknown:
        raise ValueError(f"unknown plate region(s): {sorted(unknown)}")
    return tuple(f for f in FORMATS if f.region in regions or "any" in regions)


def matches(text: str, plate_format: PlateFormat) -> bool:
    """True when text fits the format slot by slot."""
    return len(text) == len(plate_format.template) and all(
        c in SLOTS[s] for c, s in zip(text, plate_format.template, strict=True)
    )


def fits_any(text: str, regions: tuple[str, ...]) -> PlateFormat | None:
    """The best-weighted format that text fits exactly, if any."""
    fitting = [f for f in formats_for(regions) if matches(text, f)]
    return max(fitting, key=lambda f: f.weight, default=None)
