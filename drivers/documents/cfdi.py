"""SAT CFDI invoice and Carta Porte verification QR URLs."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

SAT_HOST = "verificacfdi.facturaelectronica.sat.gob.mx"
_UUID = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$", re.I)


class CfdiError(ValueError):
    """Text that is not a SAT verification URL."""


def _query(url: str) -> tuple[str, dict[str, str]]:
    try:
        parts = urlsplit(url.strip())
    except ValueError as exc:
        raise CfdiError(f"not a URL: {exc}") from None
    if parts.hostname is None or parts.hostname.lower() != SAT_HOST:
        raise CfdiError(f"not a SAT verification URL: {url[:60]!r}")
    # Keys vary in case between implementations; values keep theirs.
    fields = {k.lower(): v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    return parts.path.lower(), fields


def parse_sat_url(url: str) -> dict[str, Any]:
    """Parse a CFDI (type 'cfdi') or Carta Porte (type 'carta_porte') QR URL."""
    path, q = _query(url)
    if "verificaccp" in path or "idccp" in q:
        if not q.get("idccp"):
            raise CfdiError("Carta Porte URL without IdCCP")
        return {"type": "carta_porte", "id_ccp": q["idccp"].upper(),
                "fecha_orig": q.get("fechaorig"), "fecha_timb": q.get("fechatimb"),
                "id_ok": len(q["idccp"]) == 36}
    if not q.get("id"):
        raise CfdiError("CFDI URL without id (UUID)")
    uuid = q["id"].upper()
    return {"type": "cfdi", "uuid": uuid, "uuid_ok": bool(_UUID.match(uuid)),
            "issuer_rfc": q.get("re"), "receiver_rfc": q.get("rr"),
            "total": q.get("tt"),
            # A seal tail is base64: a "+" decoded as space by the query parser goes back.
            "seal_tail": (q.get("fe") or "").replace(" ", "+") or None}
