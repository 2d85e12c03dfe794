"""Plate series to render: serial templates and the look of each plate (protocols.md section 6 and more).

A template is a string of slot classes (see SLOTS) and separators (space, '-', '|' = line break for
two-line plates). The label is the serial without separators, as `plate_grammar.normalise` gives it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from garita.vision.plate_grammar import SLOTS as GRAMMAR_SLOTS

# The run-time grammar's slot classes (vision/plate_grammar.py), plus those only the renderer's series need.
SLOTS: dict[str, str] = {
    **GRAMMAR_SLOTS,
    "Z": "ABCDEFGHJKLMNPRSTVWXYZ0123456789",  # Arizona 2020: no I, O, Q, U
    "K": "BCDFGHJKLMNPRSTVWXYZ",  # Spain: consonants only
    "G": "ABCDEFGHJKLMNPRSTUVWXYZ",  # letters without I, O, Q (several European series)
}
SEPARATORS = " -|."

US_STATES = ("ARIZONA", "CALIFORNIA", "NEW MEXICO", "TEXAS", "NEVADA", "OREGON", "FLORIDA", "ILLINOIS",
             "NEW YORK", "OHIO", "GEORGIA", "MICHIGAN", "COLORADO", "UTAH", "WASHINGTON", "VIRGINIA")
US_SLOGANS = ("GRAND CANYON STATE", "dmv.ca.gov", "LAND OF ENCHANTMENT", "THE LONE STAR STATE", "USA",
              "SUNSHINE STATE", "LAND OF LINCOLN", "EMPIRE STATE", "PURE MICHIGAN", "LIFE ELEVATED", "")
MX_STATES = ("AGUASCALIENTES", "BAJA CALIFORNIA", "BAJA CALIFORNIA SUR", "CAMPECHE", "CHIAPAS", "CHIHUAHUA",
             "CIUDAD DE MEXICO", "COAHUILA", "COLIMA", "DURANGO", "ESTADO DE MEXICO", "GUANAJUATO", "GUERRERO",
             "HIDALGO", "JALISCO", "MICHOACAN", "MORELOS", "NAYARIT", "NUEVO LEON", "OAXACA", "PUEBLA",
             "QUERETARO", "QUINTANA ROO", "SAN LUIS POTOSI", "SINALOA", "SONORA", "TABASCO", "TAMAULIPAS",
             "TLAXCALA", "VERACRUZ", "YUCATAN", "ZACATECAS")
CA_PROVINCES = ("ONTARIO", "QUEBEC", "BRITISH COLUMBIA", "ALBERTA", "MANITOBA", "SASKATCHEWAN", "NOVA SCOTIA",
                "NEW BRUNSWICK")
BR_CITIES = ("SAO PAULO - SP", "RIO DE JANEIRO - RJ", "CURITIBA - PR", "BELO HORIZONTE - MG", "PORTO ALEGRE - RS")


@dataclass(frozen=True)
class Series:
    """One plate series: where, serial templates, colours (RGB) and the texts printed around the serial."""

    region: str
    name: str
    templates: tuple[str, ...]
    background: tuple[int, int, int] = (245, 245, 240)
    ink: tuple[int, int, int] = (20, 20, 30)
    top: tuple[str, ...] = ()
    bottom: tuple[str, ...] = ()
    band: str | None = None  # European / Mercosur blue band with this country code
    aspect: float = 2.0  # width / height of a one-line plate
    weight: float = 1.0
    extra_inks: tuple[tuple[int, int, int], ...] = field(default=())


_EU = 520 / 110  # European one-line plate
SERIES: tuple[Series, ...] = (
    # United States (border states first, then a generic state plate)
    Series("us", "california", ("NCLC DDD", "NCLCDDD", "DDDLLLD"), (250, 250, 250), (20, 30, 110),
           ("California",), ("dmv.ca.gov", ""), weight=2.0),
    Series("us", "arizona", ("LLL-DDDD", "LLL DDDD", "ZZZZZZZ"), (235, 225, 200), (120, 30, 40),
           ("ARIZONA",), ("GRAND CANYON STATE",), weight=1.5),
    Series("us", "new-mexico", ("DDD-LLL", "LLL-DDD", "LLLL DD", "LLLLDD"), (245, 220, 60), (200, 20, 20),
           ("NEW MEXICO", "USA"), ("LAND OF ENCHANTMENT", "USA"), weight=1.5),
    Series("us", "texas", ("LLD-LDDD", "LLD-DDDD", "LLL-DDDD", "LLLDDDD"), (245, 245, 245), (20, 20, 20),
           ("TEXAS",), ("THE LONE STAR STATE", ""), weight=2.0),
    Series("us", "generic", ("LLL DDDD", "LLL-DDD", "DLLLDDD", "DDD LLL", "LL DDDDD", "AAAAAA", "AAAAAAA",
                             "DDDDDD", "LLLDDD", "DLLDDD"),
           (240, 240, 240), (20, 40, 120), US_STATES, US_SLOGANS, weight=3.0,
           extra_inks=((20, 20, 20), (120, 20, 20), (20, 90, 40))),
    # Mexico (private, short, trailing letter, truck, federal, trailer/generic), all 32 states
    Series("mx", "private", ("MMM-DD-DD", "MMM-DDD-M", "MMM-DDD", "MMM DDDD"), (245, 245, 245), (30, 30, 30),
           MX_STATES, ("MEXICO", "FRONTERIZO", "TRANSPORTE PRIVADO", ""), weight=2.5,
           extra_inks=((40, 40, 120), (120, 30, 30))),
    Series("mx", "truck", ("MM-DDDD", "MM-DDDDD", "MM-DD-DDD"), (245, 245, 235), (30, 30, 30),
           MX_STATES, ("CARGA", "MEXICO", "FRONTERIZO")),
    Series("mx", "federal", ("DD-MM-DM", "DDMMDM"), (250, 250, 250), (20, 20, 20),
           ("SERVICIO PUBLICO FEDERAL", "MEXICO"), ("AUTOTRANSPORTE FEDERAL", "CARGA")),
    Series("mx", "trailer", ("DDMMDD", "DD-MM-DD", "MMDDDD"), (245, 240, 230), (30, 30, 30),
           ("REMOLQUE", "SEMIRREMOLQUE"), ("MEXICO",), weight=0.6),
    # Canada
    Series("ca", "ontario", ("LLLL DDD",), (245, 245, 250), (20, 40, 140), ("ONTARIO",), ("YOURS TO DISCOVER",)),
    Series("ca", "quebec", ("DDD LLL", "LDD LLL"), (250, 250, 250), (30, 50, 140), ("QUEBEC",), ("JE ME SOUVIENS",)),
    Series("ca", "west", ("LLD DDL", "LLL-DDDD", "LLL DDD", "DDD LLL"), (250, 250, 250), (30, 30, 110),
           CA_PROVINCES, ("BEAUTIFUL", "WILD ROSE COUNTRY", "FRIENDLY", "")),
    # Brazil (grey) and Mercosur (white, blue band)
    Series("br", "brazil", ("LLL-DDDD", "LLL DDDD"), (190, 190, 190), (25, 25, 25), BR_CITIES, (), weight=1.5),
    Series("br", "brazil-moto", ("LLL|DDDD",), (190, 190, 190), (25, 25, 25), BR_CITIES, (), aspect=1.2, weight=0.4),
    Series("br", "mercosur", ("LLLDLDD",), (250, 250, 250), (15, 15, 15), (), (), "BR", _EU * 0.83, weight=1.5),
    Series("ar", "mercosur-ar", ("LL DDD LL",), (250, 250, 250), (15, 15, 15), (), (), "RA", _EU * 0.83),
    Series("uy", "mercosur-uy", ("LLL DDDD",), (250, 250, 250), (15, 15, 15), (), (), "ROU", _EU * 0.83, 0.5),
    Series("py", "mercosur-py", ("LLLL DDD",), (250, 250, 250), (15, 15, 15), (), (), "PY", _EU * 0.83, 0.5),
    # Europe: national series behind the blue band (the band's code is never part of the label)
    Series("eu", "germany", ("L LL DDDD", "LL L DDD", "LLL LL DD", "L L DDDD"), band="D", aspect=_EU),
    Series("eu", "france", ("LL-DDD-LL",), band="F", aspect=_EU),
    Series("eu", "italy", ("LL DDDLL", "LL DDD LL"), band="I", aspect=_EU),
    Series("eu", "spain", ("DDDD KKK", "DDDDKKK"), band="E", aspect=_EU),
    Series("eu", "netherlands", ("DD-LLL-D", "L-DDD-LL", "LL-DDD-L", "DDD-LL-D", "LLL-DD-L"), (250, 200, 20),
           band="NL", aspect=_EU),
    Series("eu", "belgium", ("D-LLL-DDD",), (250, 250, 250), (150, 20, 30), band="B", aspect=_EU),
    Series("eu", "poland", ("LL DDDDD", "LLL DDDLL", "LL DDDDL"), band="PL", aspect=_EU),
    Series("eu", "uk", ("LLDD LLL",), band="UK", aspect=_EU, extra_inks=()),
    Series("eu", "uk-rear", ("LLDD LLL",), (245, 200, 30), band="GB", aspect=_EU, weight=0.5),
    Series("eu", "portugal", ("LL-DD-LL", "DD-LL-DD"), band="P", aspect=_EU),
    Series("eu", "austria", ("L DDDDL", "LL DDDLL"), band="A", aspect=_EU),
    Series("eu", "czechia", ("DLD DDDD",), band="CZ", aspect=_EU),
    Series("eu", "sweden", ("LLL DDD", "LLL DDL"), band="S", aspect=_EU),
    Series("eu", "denmark", ("LL DD DDD",), band="DK", aspect=_EU),
    Series("eu", "finland", ("LLL-DDD",), band="FIN", aspect=_EU),
    Series("eu", "ireland", ("DDD-L-DDDD", "DD-LL-DDDD"), band="IRL", aspect=_EU),
    Series("eu", "hungary", ("LLL-DDD", "LL LL-DDD"), band="H", aspect=_EU),
    Series("eu", "square", ("LL|DDDD", "L LL|DDDD", "LLL|DDD"), aspect=1.35, weight=0.6),
)


def serial(template: str, rng: random.Random) -> str:
    """A random serial for a template, separators kept (the renderer prints them)."""
    return "".join(ch if ch in SEPARATORS else rng.choice(SLOTS[ch]) for ch in template)


def label(printed: str) -> str:
    """The registration as the recogniser must read it: letters and digits only."""
    return "".join(ch for ch in printed if ch.isalnum())


def pick(rng: random.Random, regions: tuple[str, ...] | None = None) -> Series:
    """A series drawn by weight, among the given regions (all when None)."""
    pool = [s for s in SERIES if regions is None or s.region in regions]
    if not pool:
        raise ValueError(f"no plate series for regions {regions}")
    return rng.choices(pool, weights=[s.weight for s in pool])[0]
