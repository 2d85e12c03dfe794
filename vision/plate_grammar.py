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
    "K": "BCDFGHJKLMNPRSTVWXYZ",  # Spain since 2000: consonants only
}
# Glyph pairs that OCR swaps; a slot that cannot hold the read character may take its partner.
CONFUSIONS: dict[str, str] = {
    "0": "ODQ", "O": "0DQ", "D": "0O", "Q": "0O", "1": "IL", "I": "1L", "L": "1I",
    "2": "Z", "Z": "2", "5": "S", "S": "5", "8": "B", "B": "8", "6": "G", "G": "6",
    "4": "A", "A": "4", "7": "T", "T": "7", "M": "WN", "W": "MN", "N": "MW", "U": "V", "V": "U",
}


@dataclass(frozen=True)
class PlateFormat:
    """One plate series: region, name, slot template and a prior weight (specific formats weigh more).

    bands: the country codes printed in the blue band left of a European serial; a read that starts with one
    dropped costs nothing (the band is never part of the registration). rewrites: how many characters a read
    may have rewritten to fit (0 for a broad series, which nearly any letters-then-digits read fits)."""

    region: str
    name: str
    template: str
    weight: float
    bands: tuple[str, ...] = ()
    rewrites: int = 1


def _european(name: str, templates: str, bands: str, weight: float = 0.7, rewrites: int = 1
              ) -> tuple[PlateFormat, ...]:
    """One country's current national series (space-separated templates) behind its band code(s)."""
    codes = tuple(bands.split())
    return tuple(PlateFormat("eu", f"{name}-{t}", t, weight, codes, rewrites) for t in templates.split())


def _german() -> str:
    """Germany: district (1-3 letters), 1-2 letters, 1-4 digits; 5-8 characters (shorter ones read as fragments)."""
    return " ".join("L" * letters + "D" * digits for letters in range(2, 6) for digits in range(1, 5)
                    if 5 <= letters + digits <= 8)


# National series of the European countries most seen at the border (published registration formats, current
# issue only); older series and personalised plates fall to the generic grammar.
EUROPEAN: tuple[PlateFormat, ...] = (
    # one 7-character template each, letters and digits in fixed places: as specific as a US state's series
    *_european("france", "LLDDDLL", "F", 0.9),
    *_european("italy", "LLDDDLL", "I", 0.9),
    *_european("spain", "DDDDKKK", "E", 0.9),
    *_european("uk", "LLDDLLL", "UK GB", 0.9),
    *_european("belgium", "DLLLDDD", "B", 0.9),
    *_european("czechia", "DLDDDDD DLLDDDD", "CZ", 0.9),
    *_european("denmark", "LLDDDDD", "DK", 0.9),
    # several templates, or 6 characters: many misreads of other plates fit them
    *_european("netherlands", "LLLLDD DDLLLL DDLLLD DLLLDD LLDDDL LDDDLL LLLDDL LDDLLL DLLDDD DDDLLD", "NL"),
    *_european("portugal", "LLDDLL DDLLDD DDDDLL LLDDDD", "P"),
    *_european("sweden", "LLLDDD LLLDDL", "S"),
    *_european("finland", "LLLDDD LLDDD", "FIN"),
    *_european("hungary", "LLLDDD LLLLDDD", "H"),
    *_european("poland", "LLDDDDD LLDDDDL LLDDDLL LLDLDDD LLDLLDD LLLDDDD LLLDDDL LLLDDLL LLLLDDD", "PL"),
    # district, letters, digits: nearly every letters-then-digits read fits, so it accepts reads and repairs none
    *_european("germany", _german(), "D", 0.6, rewrites=0),
)


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
    PlateFormat("br", "mercosur-brazil", "LLLDLDD", 1.0, ("BR",)),
    *EUROPEAN,
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
    """Formats for the lane's regions: 'any' means every known series."""
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
