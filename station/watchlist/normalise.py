"""Normal forms of the identifiers the lane matches on: plates, containers, documents, tags, carriers, names."""

from __future__ import annotations

import re
import unicodedata

_NOT_ALNUM = re.compile(r"[^A-Z0-9]")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
# Spanish (and a few English) particles: "María de la Luz García y López" lists as MARIA LUZ GARCIA LOPEZ.
PARTICLES = frozenset({"de", "del", "la", "las", "los", "y", "e", "da", "van", "von", "der", "mc"})


def strip_accents(text: str) -> str:
    """Drop combining marks (Á -> A, Ñ -> N): documents and OCR disagree on accents."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def alnum_upper(text: str) -> str:
    """Upper-case letters and digits only; spaces, dashes, dots and accents are dropped."""
    if not text.isascii():  # the common ASCII case skips Unicode decomposition (hot in bulk imports)
        text = strip_accents(text)
    return _NOT_ALNUM.sub("", text.upper())


def plate(text: str) -> str:
    """A licence plate as matched: 'ABC-123-D' and 'abc 123 d' are both ABC123D."""
    return alnum_upper(text)


def container(text: str) -> str:
    """An ISO 6346 container number without spaces or dashes: 'CSQU 305438-3' -> CSQU3054383."""
    return alnum_upper(text)


def document_number(text: str) -> str:
    """A travel document number; MRZ filler '<' and spaces are dropped."""
    return alnum_upper(text.replace("<", ""))


def country(text: str | None) -> str:
    """ISO 3166 alpha-3 (or alpha-2) code in upper case, '' when unknown."""
    return alnum_upper(text or "")


def epc(text: str) -> str:
    """An RFID EPC as upper-case hex without spaces: 'e200 3411' -> E2003411."""
    return alnum_upper(text)


def carrier_code(text: str) -> str:
    """A SCAC or a Mexican RFC in its bare upper-case form (RFC keeps Ñ as N, '&' dropped)."""
    return alnum_upper(text)


def name_tokens(text: str) -> tuple[str, ...]:
    """Lower-case name words without accents or particles, sorted so order does not matter."""
    words = _NOT_WORD.split(strip_accents(text).lower().replace("<", " "))
    return tuple(sorted(w for w in words if w and w not in PARTICLES))
