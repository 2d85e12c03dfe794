"""Every watchlist lookup a crossing's reads call for: plates, containers, tags, documents, names, carriers."""

from __future__ import annotations

from datetime import datetime

from garita.station.core.crossing_facts import Observed
from garita.station.watchlist.cache import parse_dob
from garita.station.watchlist.matching import Hit, Matcher


def watchlist_hits(matcher: Matcher, observed: Observed, now: datetime) -> tuple[Hit, ...]:
    """All hits, each entry once (its most serious match), most serious first."""
    hits: list[Hit] = []
    for plate, state in observed.plates:
        hits += matcher.plate(plate, state or None, now)
    for number in observed.containers:
        hits += matcher.container(number, now)
    for epc in observed.epcs:
        hits += matcher.rfid(epc, now)
    for carrier in observed.carriers:
        hits += matcher.carrier(carrier, now)
    for document in observed.documents:
        hits += matcher.document(document.number, document.country or None, now)
        if document.name:
            hits += matcher.person(document.name, parse_dob(document.dob), now)
    best: dict[str, Hit] = {}
    for hit in sorted(hits, key=Hit.sort_key):
        best.setdefault(hit.entry_id, hit)
    return tuple(best.values())
