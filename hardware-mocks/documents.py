"""Synthetic travel and customs documents, written from protocols.md (not from drivers/).

ICAO 9303 MRZ (TD1, TD2, TD3) with every check digit computed (§3.2), AAMVA DL/ID PDF417
payloads with designator offsets computed (§4), CBP e-Manifest shipment control numbers
(PAPS, §5) and Mexican pedimento numbers (§5). Each builder takes explicit fields; the
``random_*`` helpers draw plausible fields from a ``random.Random`` for scenarios and tests.
"""

from __future__ import annotations

import random
import re
import string
from dataclasses import dataclass
from datetime import date, timedelta

FILLER = "<"

_WEIGHTS = (7, 3, 1)


def mrz_check_digit(field: str) -> str:
    """ICAO 9303 check digit: 0-9 -> 0-9, A-Z -> 10-35, '<' -> 0, weights 7 3 1, mod 10."""
    total = 0
    for i, c in enumerate(field):
        value = int(c) if c.isdigit() else 0 if c == FILLER else ord(c) - ord("A") + 10
        total += value * _WEIGHTS[i % 3]
    return str(total % 10)


def mrz_field(text: str, width: int) -> str:
    """Upper-case, spaces and punctuation to '<', padded (or cut) to ``width``."""
    cleaned = re.sub(r"[^A-Z0-9]", FILLER, text.upper())
    return cleaned[:width].ljust(width, FILLER)


def mrz_name(surname: str, given_names: str, width: int) -> str:
    """``SURNAME<<GIVEN<NAMES`` padded to ``width`` (names longer than that are cut)."""
    return mrz_field(f"{surname}<<{given_names}".replace(" ", FILLER), width)


def yymmdd(day: date) -> str:
    """An MRZ date."""
    return day.strftime("%y%m%d")


@dataclass(frozen=True)
class Traveller:
    """What an MRZ encodes about a document and its holder."""

    surname: str
    given_names: str
    number: str  # up to 9 characters
    nationality: str  # 3-letter code
    birth: date
    sex: str  # M, F or <
    expiry: date
    issuing_state: str = ""  # defaults to the nationality
    optional: str = ""
    optional2: str = ""  # TD1 line 2 only

    @property
    def state(self) -> str:
        """Issuing state, padded to 3."""
        return mrz_field(self.issuing_state or self.nationality, 3)


def _number_block(t: Traveller) -> str:
    """Document number (9) and its check digit."""
    number = mrz_field(t.number, 9)
    return number + mrz_check_digit(number)


def _dates_block(t: Traveller) -> str:
    """Birth date + CD, sex, expiry + CD (15 characters, shared by every format)."""
    birth, expiry = yymmdd(t.birth), yymmdd(t.expiry)
    return birth + mrz_check_digit(birth) + t.sex + expiry + mrz_check_digit(expiry)


def td3(t: Traveller, doc_code: str = "P") -> list[str]:
    """Passport MRZ: 2 lines of 44."""
    line1 = mrz_field(doc_code, 2) + t.state + mrz_name(t.surname, t.given_names, 39)
    optional = mrz_field(t.optional, 14)
    # An all-filler personal number may carry '<' as its check digit (the MEX vector).
    opt_cd = FILLER if not t.optional else mrz_check_digit(optional)
    dates = _dates_block(t)
    body = _number_block(t) + mrz_field(t.nationality, 3) + dates + optional + opt_cd
    composite = body[0:10] + body[13:20] + body[21:43]
    return [line1, body + mrz_check_digit(composite)]


def td2(t: Traveller, doc_code: str = "I") -> list[str]:
    """ID card / travel document MRZ: 2 lines of 36."""
    line1 = mrz_field(doc_code, 2) + t.state + mrz_name(t.surname, t.given_names, 31)
    body = _number_block(t) + mrz_field(t.nationality, 3) + _dates_block(t) + mrz_field(t.optional, 7)
    composite = body[0:10] + body[13:20] + body[21:35]
    return [line1, body + mrz_check_digit(composite)]


def td1(t: Traveller, doc_code: str = "I") -> list[str]:
    """ID card MRZ: 3 lines of 30."""
    line1 = mrz_field(doc_code, 2) + t.state + _number_block(t) + mrz_field(t.optional, 15)
    line2 = _dates_block(t) + mrz_field(t.nationality, 3) + mrz_field(t.optional2, 11)
    composite = line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29]
    return [line1, line2 + mrz_check_digit(composite), mrz_name(t.surname, t.given_names, 30)]


MRZ_BUILDERS = {"TD1": td1, "TD2": td2, "TD3": td3}


def corrupt_check_digit(lines: list[str], line: int, position: int) -> list[str]:
    """Replace one check digit with a wrong one (for 'bad check digit' documents)."""
    digit = lines[line][position]
    wrong = str((int(digit) + 1) % 10) if digit.isdigit() else "1"
    out = list(lines)
    out[line] = out[line][:position] + wrong + out[line][position + 1:]
    return out


# --- AAMVA DL/ID (protocols.md §4) -------------------------------------------------------

COMPLIANCE = b"@\n\x1e\r"
FILE_TYPE = b"ANSI "


def aamva_date(day: date, country: str = "USA") -> str:
    """MMDDCCYY in the USA, CCYYMMDD in Canada."""
    return day.strftime("%Y%m%d" if country == "CAN" else "%m%d%Y")


def aamva_subfile(kind: str, elements: dict[str, str]) -> bytes:
    """Type + ``XXXvalue`` elements, each ended by LF, the last by CR."""
    if not elements:
        raise ValueError("a subfile needs at least one element")
    body = "\n".join(f"{code}{value}" for code, value in elements.items())
    return f"{kind}{body}\r".encode("latin-1")


def aamva_payload(subfiles: dict[str, dict[str, str]], iin: str = "636015", version: int = 10,
                  jurisdiction_version: int = 0) -> bytes:
    """A whole PDF417 payload; designator offsets and lengths are computed here."""
    if not 1 <= version <= 99 or not re.fullmatch(r"\d{6}", iin):
        raise ValueError("iin must be 6 digits and version 1..99")
    # Version 01 (DL/ID-2000) has no jurisdiction-version field: a 19-byte header.
    jur = b"" if version == 1 else f"{jurisdiction_version:02d}".encode()
    header = COMPLIANCE + FILE_TYPE + iin.encode() + f"{version:02d}".encode() + jur
    header += f"{len(subfiles):02d}".encode()
    bodies = [aamva_subfile(kind, elements) for kind, elements in subfiles.items()]
    offset = len(header) + 10 * len(bodies)
    designators = b""
    for kind, body in zip(subfiles, bodies, strict=True):
        designators += f"{kind}{offset:04d}{len(body):04d}".encode("ascii")
        offset += len(body)
    return header + designators + b"".join(bodies)


@dataclass(frozen=True)
class Licence:
    """The fields of a driver licence that the lane cares about."""

    number: str
    family_name: str
    first_name: str
    birth: date
    expiry: date
    issue: date
    sex: str = "1"  # 1 male, 2 female, 9 unspecified
    jurisdiction: str = "TX"
    country: str = "USA"
    city: str = "EL PASO"


def licence_elements(lic: Licence) -> dict[str, str]:
    """The DL subfile elements of a licence (mandatory ones filled with NONE where empty)."""
    day = lambda d: aamva_date(d, lic.country)  # noqa: E731
    return {
        "DCA": "C", "DCB": "NONE", "DCD": "NONE", "DBA": day(lic.expiry),
        "DCS": lic.family_name, "DAC": lic.first_name, "DAD": "NONE", "DBD": day(lic.issue),
        "DBB": day(lic.birth), "DBC": lic.sex, "DAY": "BRO", "DAU": "068 in",
        "DAG": "1 MAIN ST", "DAI": lic.city, "DAJ": lic.jurisdiction, "DAK": "799010000  ",
        "DAQ": lic.number, "DCF": "0" * 20, "DCG": lic.country,
        "DDE": "N", "DDF": "N", "DDG": "N", "DDA": "F",
    }


def licence_payload(lic: Licence, version: int = 10, iin: str = "636015") -> bytes:
    """A DL subfile plus a jurisdiction (Z) subfile, as Texas cards carry."""
    zkind = "Z" + lic.jurisdiction[:1].upper()
    subfiles = {"DL": licence_elements(lic), zkind: {f"{zkind}A": "SYNTHETIC"}}
    return aamva_payload(subfiles, iin=iin, version=version)


# --- customs numbers (protocols.md §5) ---------------------------------------------------

_SCAC = re.compile(r"^[A-Z]{4}$")
_REF = re.compile(r"^[A-Z0-9]{1,12}$")


def paps_number(scac: str, reference: str) -> str:
    """Shipment control number: SCAC (4 letters) + carrier reference (1-12 alphanumerics)."""
    if not _SCAC.match(scac) or not _REF.match(reference):
        raise ValueError(f"not a SCAC + reference: {scac!r} {reference!r}")
    return scac + reference


def pedimento_number(year: int, aduana: int, patente: int, counter: int, printed: bool = True) -> str:
    """15 digits: yy, aduana, patente, and a 7-digit sequence led by the year's last digit."""
    if not (0 <= aduana <= 99 and 0 <= patente <= 9999 and 1 <= counter <= 999_999):
        raise ValueError("aduana 0-99, patente 0-9999, counter 1-999999")
    parts = [f"{year % 100:02d}", f"{aduana:02d}", f"{patente:04d}", f"{year % 10}{counter:06d}"]
    return "  ".join(parts) if printed else "".join(parts)


# --- random documents ---------------------------------------------------------------------

SURNAMES = ("GARCIA", "LOPEZ", "SMITH", "NGUYEN", "HERNANDEZ", "JOHNSON", "MARTINEZ", "ORTIZ")
GIVEN = ("JUAN", "MARIA", "JOHN", "ANNA", "CARLOS", "LUCIA", "ROBERT", "ELENA")
STATES = ("USA", "MEX", "CAN", "UTO")
ADUANAS = (7, 16, 24, 40, 51)  # Ciudad Juárez, Ensenada, Nuevo Laredo, Monterrey, Lázaro Cárdenas


def _word(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def random_traveller(rng: random.Random, today: date | None = None) -> Traveller:
    """A plausible adult traveller with a document valid for a few more years."""
    today = today or date.today()
    birth = today - timedelta(days=rng.randint(18 * 365, 80 * 365))
    return Traveller(
        surname=rng.choice(SURNAMES), given_names=rng.choice(GIVEN),
        number=_word(rng, string.ascii_uppercase, 1) + _word(rng, string.digits, 8),
        nationality=rng.choice(STATES), birth=birth, sex=rng.choice("MF"),
        expiry=today + timedelta(days=rng.randint(30, 3650)),
    )


def random_mrz(rng: random.Random, fmt: str = "TD3") -> list[str]:
    """MRZ lines of a random traveller in the given format."""
    return MRZ_BUILDERS[fmt](random_traveller(rng))


def random_paps(rng: random.Random) -> str:
    """SCAC + a date-and-counter style reference, as carriers print them."""
    return paps_number(_word(rng, string.ascii_uppercase, 4), _word(rng, string.digits, 10))


def random_pedimento(rng: random.Random, year: int | None = None) -> str:
    """A printed pedimento number for one of the border aduanas."""
    year = year or date.today().year
    return pedimento_number(year, rng.choice(ADUANAS), rng.randint(1, 9999), rng.randint(1, 999_999))


