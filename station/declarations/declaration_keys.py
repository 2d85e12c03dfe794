"""The strong keys that tie a crossing to its declaration: SCN, pedimento, container, plate, tag."""

from __future__ import annotations

from garita.station.declarations.declaration import Declaration
from garita.station.watchlist import normalise


def pedimento_key(text: str) -> str:
    """Pedimentos are printed with and without spaces: only the digits count."""
    return "".join(c for c in text if c.isdigit())


def declaration_keys(declaration: Declaration) -> set[str]:
    """Every key a declaration is filed under."""
    keys = {"ped:" + pedimento_key(p) for p in declaration.pedimentos}
    keys |= {"ctr:" + normalise.container(c.number) for c in declaration.containers}
    plates = [declaration.tractor_plate or "", *declaration.trailer_plates]
    keys |= {"plate:" + normalise.plate(p) for p in plates if p}
    tags = [declaration.driver.tag_epc or "", declaration.driver.fast_card or ""]
    keys |= {"tag:" + normalise.epc(t) for t in tags if t}
    if declaration.scn:
        keys.add("scn:" + normalise.alnum_upper(declaration.scn))
    return {k for k in keys if not k.endswith(":")}
