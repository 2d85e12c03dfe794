"""Index keys: what an entry is filed under, and what a lookup probes.

One table ``idx(k, n)`` holds every key. The first letter says the kind and tier:

* ``P``/``C`` + plate/container: the exact normalised value.
* ``p``/``c`` + the value with one character deleted (a symmetric-deletion index): a read within one
  edit of a listed value shares a key with it, so edit-distance-1 and OCR-confusion candidates are
  found by a handful of B-tree probes instead of a scan. The tier is decided afterwards, per candidate.
* ``D`` document number, ``R`` EPC, ``S`` SCAC, ``F`` RFC, ``N`` a pair of name words, ``B`` a date of birth.
"""

from __future__ import annotations

from itertools import combinations

from garita.station.watchlist import normalise
from garita.station.watchlist.entries import Entry

MAX_NAME_PAIRS = 64  # bounds the keys of a person with many aliases


def deletions(value: str) -> set[str]:
    """Every string made by deleting one character of ``value``."""
    return {value[:i] + value[i + 1:] for i in range(len(value))}


def fuzzy_keys(exact: str, fuzzy: str, value: str) -> set[str]:
    """The keys a plate or container is filed under: itself and its one-deletions."""
    return {exact + value} | {fuzzy + d for d in deletions(value)}


def fuzzy_probes(exact: str, fuzzy: str, value: str) -> list[str]:
    """Keys that find every listed value within one insertion, deletion or substitution of ``value``."""
    dels = deletions(value)
    return [exact + value, fuzzy + value, *(exact + d for d in dels), *(fuzzy + d for d in dels)]


def name_keys(names: list[str]) -> set[str]:
    """Pairs of name words (order-free); a one-word name is filed under itself."""
    keys: set[str] = set()
    for name in names:
        tokens = sorted(set(normalise.name_tokens(name)))
        if len(tokens) == 1:
            keys.add("N" + tokens[0])
        keys.update(f"N{a} {b}" for a, b in combinations(tokens, 2))
    return set(sorted(keys)[:MAX_NAME_PAIRS])


def entry_keys(entry: Entry) -> set[str]:
    """Every key an entry is filed under."""
    if entry.kind == "plate":
        return fuzzy_keys("P", "p", normalise.plate(entry.plate))
    if entry.kind == "container":
        return fuzzy_keys("C", "c", normalise.container(entry.container))
    if entry.kind == "document":
        return {"D" + normalise.document_number(entry.number)}
    if entry.kind == "rfid":
        return {"R" + normalise.epc(entry.epc)}
    if entry.kind == "carrier":
        return {k for k in ("S" + normalise.carrier_code(entry.scac or ""),
                            "F" + normalise.carrier_code(entry.rfc or "")) if len(k) > 1}
    keys = name_keys(entry.names)
    if entry.dob:
        keys.add("B" + entry.dob.isoformat())
    return keys
