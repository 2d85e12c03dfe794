"""Declared against read: each difference between a crossing and its declaration, in both languages."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from garita.station.core.crossing_facts import Observed
from garita.station.declarations.declaration import Declaration
from garita.station.declarations.declaration_keys import declaration_keys
from garita.station.watchlist import normalise
from garita.station.watchlist.matching import edit_tier

CLOSE_ENOUGH = ("exact", "ocr_confusion")  # a plate read one OCR confusion off is the declared plate


@dataclass(frozen=True)
class Discrepancy:
    code: str
    field: str
    declared: str
    observed: str
    en: str
    es: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _same(read: str, declared: str, confusions: dict[str, str]) -> bool:
    return edit_tier(read, declared, confusions) in CLOSE_ENOUGH


def missing(observed: Observed) -> Discrepancy:
    """A commercial crossing with no declaration on file."""
    shown = ", ".join(observed.scns + observed.pedimentos + observed.containers)
    return Discrepancy("declaration_missing", "declaration", "", shown,
                       "No pre-arrival declaration matches this crossing",
                       "Ninguna declaración previa corresponde a este cruce")


def find(declarations: list[Declaration], observed: Observed) -> Declaration | None:
    """The declaration sharing the most strong keys with what was read."""
    keys = observed_keys(observed)
    scored = [(len(declaration_keys(d) & keys), d.id, d) for d in declarations]
    scored = [s for s in scored if s[0]]
    return max(scored, key=lambda s: (s[0], s[1]))[2] if scored else None


def observed_keys(observed: Observed) -> set[str]:
    """The strong keys a crossing presents (same form as :func:`declaration_keys`)."""
    return ({"scn:" + s for s in observed.scns} | {"ped:" + p for p in observed.pedimentos}
            | {"ctr:" + c for c in observed.containers} | {"plate:" + p for p, _ in observed.plates}
            | {"tag:" + e for e in observed.epcs})


def compare(declaration: Declaration, observed: Observed, now: datetime,
            confusions: dict[str, str]) -> list[Discrepancy]:
    """Every discrepancy, in a fixed order: window, plates, containers, seals, driver."""
    found = _window(declaration, now) + _plates(declaration, observed, confusions)
    found += _containers(declaration, observed, confusions) + _seals(declaration, observed)
    return found + _driver(declaration, observed)


def _window(declaration: Declaration, now: datetime) -> list[Discrepancy]:
    if now > declaration.arrival_until:
        until = declaration.arrival_until.isoformat()
        return [Discrepancy("declaration_expired", "arrival_until", until, now.isoformat(),
                            f"Declaration expired (arrival window ended {until})",
                            f"Declaración vencida (la ventana de llegada terminó {until})")]
    return []


def _plates(declaration: Declaration, observed: Observed, confusions: dict[str, str]) -> list[Discrepancy]:
    declared = [normalise.plate(p) for p in [declaration.tractor_plate or "", *declaration.trailer_plates] if p]
    reads = [p for p, _ in observed.plates]
    if not declared or not reads or any(_same(r, d, confusions) for r in reads for d in declared):
        return []
    return [Discrepancy("plate", "plate", ", ".join(declared), ", ".join(reads),
                        "Plate read does not match the declared tractor or trailer plates",
                        "La placa leída no coincide con las placas declaradas del tractor o remolque")]


def _containers(declaration: Declaration, observed: Observed, confusions: dict[str, str]) -> list[Discrepancy]:
    declared = [normalise.container(c.number) for c in declaration.containers]
    if not observed.containers:
        return []  # no container camera read: nothing to compare
    found = [Discrepancy("container_missing", "container", d, "",
                         f"Declared container {d} was not seen", f"No se vio el contenedor declarado {d}")
             for d in declared if not any(_same(o, d, confusions) for o in observed.containers)]
    return found + [Discrepancy("container_unexpected", "container", "", o,
                                f"Container {o} is not on the declaration",
                                f"El contenedor {o} no está en la declaración")
                    for o in observed.containers if not any(_same(o, d, confusions) for d in declared)]


def _seals(declaration: Declaration, observed: Observed) -> list[Discrepancy]:
    declared = {normalise.alnum_upper(s) for c in declaration.containers for s in c.seals}
    return [Discrepancy("seal", "seal", ", ".join(sorted(declared)), s, f"Seal {s} is not the declared seal",
                        f"El sello {s} no es el sello declarado") for s in observed.seals if s not in declared]


def _driver(declaration: Declaration, observed: Observed) -> list[Discrepancy]:
    found = []
    driver = declaration.driver
    numbers = [d.number for d in observed.documents]
    if driver.document_number and numbers and normalise.document_number(driver.document_number) not in numbers:
        found.append(Discrepancy("driver", "driver.document_number", driver.document_number, ", ".join(numbers),
                                 "Driver's document is not the declared driver's",
                                 "El documento del conductor no es el del conductor declarado"))
    tags = {normalise.epc(t) for t in (driver.tag_epc, driver.fast_card) if t}
    if tags and observed.epcs and not tags & set(observed.epcs):
        found.append(Discrepancy("driver_tag", "driver.tag_epc", ", ".join(sorted(tags)), ", ".join(observed.epcs),
                                 "Driver's FAST card or tag was not read", "No se leyó la tarjeta FAST o el tag"
                                 " del conductor declarado"))
    return found
