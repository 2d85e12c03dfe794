"""The lane's audit chain against the central's copy: a truncated or rewritten lane chain shows.

Every audit entry goes upstream with its hash, so the central holds the chain as it was. An
entry the central has and the lane lacks (past the lane's head: cut off the end; before it:
removed), or one whose hash differs (rewritten), is reported; entries not yet delivered are
only counted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from garita.station.storage import audit_chain
from garita.sync.central.store_sqlite import SqliteStore


@dataclass
class Comparison:
    lane_entries: int
    central_entries: int
    truncated: list[int] = field(default_factory=list)  # at the central, past the lane's head
    removed: list[int] = field(default_factory=list)  # at the central, missing inside the lane's chain
    rewritten: list[int] = field(default_factory=list)  # same id, another hash
    undelivered: int = 0  # the lane's newest entries, not at the central yet

    @property
    def ok(self) -> bool:
        return not (self.truncated or self.removed or self.rewritten)

    def summary(self) -> str:
        if self.ok:
            return (f"matches the central's copy: {self.central_entries} entries there, "
                    f"{self.undelivered} newer not delivered yet")
        parts = [f"{len(ids)} {what} (first {ids[0]})" for what, ids in
                 (("cut off the end", self.truncated), ("removed", self.removed), ("rewritten", self.rewritten))
                 if ids]
        return "differs from the central's copy: " + ", ".join(parts)


def central_hashes(central_db: Path, port: str, lane: str) -> dict[int, str]:
    """entry id -> hash of every audit entry the central received from this lane."""
    store = SqliteStore(central_db)
    try:
        events = [e for e in store.events(port, lane) if e["kind"] == "audit"]
    finally:
        store.close()
    hashes = {}
    for event in events:
        payload = json.loads(event["payload"])
        hashes[int(payload["entry_id"])] = payload["hash"]
    return hashes


def compare(lane: dict[int, str], central: dict[int, str]) -> Comparison:
    head = max(lane, default=0)
    result = Comparison(len(lane), len(central))
    for entry_id, digest in sorted(central.items()):
        if entry_id not in lane:
            (result.truncated if entry_id > head else result.removed).append(entry_id)
        elif lane[entry_id] != digest:
            result.rewritten.append(entry_id)
    result.undelivered = sum(1 for entry_id in lane if entry_id > max(central, default=0))
    return result


def against_central(conn, central_db: Path, port: str, lane: str) -> Comparison:
    return compare(audit_chain.hashes(conn), central_hashes(central_db, port, lane))
