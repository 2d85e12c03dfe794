"""Deterministic synthetic watchlists for tests and ``garita bench watchlist`` (never real people)."""

from __future__ import annotations

import random
import string
from collections.abc import Iterator
from typing import Any

from garita.station.watchlist.containers import check_digit

# Share of each kind in a synthetic list: plates dominate real lists, and are the hardest lookup.
MIX = (("plate", 60), ("container", 15), ("document", 10), ("person", 10), ("rfid", 3), ("carrier", 2))
GIVEN = ("juan", "maria", "jose", "luz", "carlos", "ana", "john", "mary", "robert", "linda", "miguel", "sofia",
         "diego", "lucia", "james", "patricia", "luis", "elena", "pedro", "carmen")
SURNAMES = ("garcia", "lopez", "martinez", "hernandez", "gonzalez", "perez", "sanchez", "ramirez", "torres",
            "flores", "smith", "johnson", "williams", "brown", "jones", "miller", "davis", "rivera", "gomez",
            "diaz", "cruz", "morales", "reyes", "ortiz", "gutierrez", "chavez", "ruiz", "vargas", "castillo")
ALNUM = string.ascii_uppercase + string.digits


def plate_value(rng: random.Random) -> str:
    return "".join(rng.choice(ALNUM) for _ in range(rng.randint(6, 8)))


def container_value(rng: random.Random) -> str:
    head = "".join(rng.choice(string.ascii_uppercase) for _ in range(3)) + "U"
    head += "".join(rng.choice(string.digits) for _ in range(6))
    return head + str(check_digit(head))


def _values(kind: str, rng: random.Random, n: int) -> dict[str, Any]:
    """The kind-specific fields of entry number ``n``."""
    if kind == "plate":
        return {"plate": plate_value(rng), "country": rng.choice(("USA", "MEX")), "state": rng.choice(("CA", "BC"))}
    if kind == "container":
        return {"container": container_value(rng)}
    if kind == "document":
        return {"number": "".join(rng.choice(ALNUM) for _ in range(9)), "country": rng.choice(("USA", "MEX")),
                "doc_type": "P"}
    if kind == "person":
        name = " ".join([rng.choice(GIVEN), rng.choice(SURNAMES), rng.choice(SURNAMES)])
        return {"names": [name], "dob": f"{rng.randint(1940, 2005)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                "nationality": rng.choice(("USA", "MEX"))}
    if kind == "rfid":
        return {"epc": f"{rng.getrandbits(96):024X}"}
    return {"scac": "".join(rng.choice(string.ascii_uppercase) for _ in range(4)), "company": f"Carrier {n}"}


def entry(n: int, kind: str, rng: random.Random, version: int = 1) -> dict[str, Any]:
    """One synthetic entry as central would send it."""
    action = ("detain", "refer", "notify")[n % 3]
    return {"id": f"E{n:08d}", "kind": kind, "action": action, "reason_code": f"R{n % 50:02d}",
            "reason_en": f"Synthetic {kind} listing {n}", "reason_es": f"Registro sintético de {kind} {n}",
            "agency": ("US", "MX", "joint")[n % 3], "version": version, **_values(kind, rng, n)}


def entries(count: int, seed: int = 5) -> Iterator[dict[str, Any]]:
    """``count`` entries in the :data:`MIX` proportions, the same for the same seed."""
    rng = random.Random(seed)
    kinds = [kind for kind, share in MIX for _ in range(share)]
    for n in range(count):
        yield entry(n, kinds[n % len(kinds)], rng)
