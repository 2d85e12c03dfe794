"""Decide what a scanned barcode payload is and hand it to the matching parser."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from garita.drivers.documents.aamva import COMPLIANCE, AamvaError, parse_aamva
from garita.drivers.documents.cfdi import CfdiError, parse_sat_url
from garita.drivers.documents.gs1 import GS1_SYMBOLOGIES, Gs1Error, parse_gs1
from garita.drivers.documents.mrz import MrzError, parse_mrz
from garita.drivers.documents.paps import PapsError, parse_paps
from garita.drivers.documents.pedimento import PedimentoError, parse_pedimento

_PEDIMENTO_SHAPE = re.compile(r"^[0-9]{2} *[0-9]{2} *[0-9]{4} *[0-9]{7}$")
# A plain word like "HELLO" also fits SCAC+reference; real SCNs carry digits.
_SCN_SHAPE = re.compile(r"^[A-Z]{4}(?=[A-Z0-9]*\d)[A-Z0-9]{4,12}$")
PARSE_ERRORS = (AamvaError, CfdiError, Gs1Error, MrzError, PapsError, PedimentoError)


@dataclass(frozen=True)
class Classified:
    """A payload's type, the normalised value the lane matches on, and parsed fields."""

    type: str
    value: str
    fields: dict[str, Any] = field(default_factory=dict)


def _text(payload: bytes) -> str:
    return payload.decode("latin-1")


def _by_content(symbology: str | None, payload: bytes) -> Classified | None:
    text = _text(payload).strip()
    if symbology in GS1_SYMBOLOGIES:
        f = parse_gs1(_text(payload))
        return Classified("gs1", f.get("sscc") or f.get("gtin") or text, f)
    if payload.startswith(COMPLIANCE):
        f = parse_aamva(payload)
        return Classified("aamva", f.get("number", ""), f)
    if text.lower().startswith(("http://", "https://")):
        f = parse_sat_url(text)
        return Classified(f["type"], f.get("uuid") or f["id_ccp"], f)
    if _PEDIMENTO_SHAPE.match(text):
        f = parse_pedimento(text)
        return Classified("pedimento", f["number"], f)
    if _SCN_SHAPE.match(text):
        f = parse_paps(text)
        return Classified("paps", f["scn"], f)
    if "\r" in text or "\n" in text:
        f = parse_mrz(text)
        return Classified("mrz", f["document_number"], f)
    return None


def classify(symbology: str | None, payload: bytes) -> Classified:
    """Parse payload by shape; anything unrecognised or malformed is type 'raw'."""
    try:
        found = _by_content(symbology, payload)
    except PARSE_ERRORS as exc:
        return Classified("raw", _text(payload).strip(), {"error": str(exc)})
    return found or Classified("raw", _text(payload).strip())
