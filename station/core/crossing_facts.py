"""What a crossing's reads show, in matchable form: plates, containers, tags, shipment numbers, documents."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from garita.station.watchlist import normalise


@dataclass(frozen=True)
class DocumentSeen:
    """A travel document or licence read at the lane."""

    number: str
    country: str = ""
    name: str = ""
    dob: str | None = None
    check_digits_ok: bool = True
    expired: bool = False


@dataclass(frozen=True)
class Observed:
    """Everything the lane saw of one vehicle, normalised."""

    plates: tuple[tuple[str, str], ...] = ()  # (plate, state)
    containers: tuple[str, ...] = ()
    epcs: tuple[str, ...] = ()
    scns: tuple[str, ...] = ()
    pedimentos: tuple[str, ...] = ()
    seals: tuple[str, ...] = ()
    documents: tuple[DocumentSeen, ...] = ()
    carriers: tuple[str, ...] = field(default=())

    @property
    def commercial(self) -> bool:
        """A shipment number, pedimento or container means a declaration is expected."""
        return bool(self.scns or self.pedimentos or self.containers)


def _text(value: Any) -> str:
    """A field that should be text; anything else (a driver bug, a newer format) reads as absent."""
    return value if isinstance(value, str) else ""


def _listed(value: Any) -> list[str]:
    """A vision field may be one string, a dict with ``text``, or a list of either."""
    items = value if isinstance(value, list) else [value]
    texts = [_text(i.get("text")) if isinstance(i, dict) else _text(i) for i in items]
    return [t for t in texts if t]


def _document(value: str, data: dict[str, Any], today: date) -> DocumentSeen:
    checks = data.get("checks") if isinstance(data.get("checks"), dict) else {}
    expiry = _text(data.get("expiry_date")) or _text(data.get("expiry"))
    name = " ".join(_text(data.get(k)) for k in ("given_names", "first_name", "surname", "last_name"))
    return DocumentSeen(normalise.document_number(value), normalise.country(_text(data.get("issuing_state"))),
                        " ".join(name.split()), _text(data.get("birth_date")) or None,
                        all(v is True for v in checks.values()), bool(expiry) and expiry < today.isoformat())


def observe(reads: list[dict[str, Any]], today: date) -> Observed:
    """Fold a crossing's reads (as stored) into one :class:`Observed`."""
    seen: dict[str, list] = {k: [] for k in ("plates", "containers", "epcs", "scns", "pedimentos", "seals",
                                             "documents", "carriers")}
    for read in reads:
        data = read.get("data") if isinstance(read.get("data"), dict) else {}
        _fold(seen, read["kind"], _text(read["value"]), data, today)
    return Observed(**{k: tuple(dict.fromkeys(v)) for k, v in seen.items()})


def _fold(seen: dict[str, list], kind: str, value: str, data: dict[str, Any], today: date) -> None:
    barcode_type = data.get("type") if kind == "barcode" else None
    if kind == "rfid":
        seen["epcs"].append(normalise.epc(value))
    elif barcode_type == "paps":
        seen["scns"].append(normalise.alnum_upper(value))
        seen["carriers"].append(normalise.alnum_upper(value)[:4])
    elif barcode_type == "pedimento":
        seen["pedimentos"].append("".join(c for c in value if c.isdigit()))
    elif kind == "document" or barcode_type in ("mrz", "aamva"):
        seen["documents"].append(_document(value, data, today))
    state = _text(data.get("plate_state")) or _text(data.get("state"))
    # station/core/recognition.py stores plate/container reads with the OCR's ranked alternatives: check those too.
    alternatives = _listed(data.get("candidates"))
    plates = [value, *alternatives] if kind == "plate" else _listed(data.get("plate")) + _listed(data.get("plates"))
    seen["plates"].extend((normalise.plate(p), state) for p in plates if normalise.plate(p))
    boxes = [value, *alternatives] if kind == "container" else (
        _listed(data.get("container")) + _listed(data.get("containers")))
    seen["containers"].extend(normalise.container(c) for c in boxes if normalise.container(c))
    seen["seals"].extend(s for s in map(normalise.alnum_upper, _listed(data.get("seals"))) if s)
