"""Reassemble a chunked watchlist snapshot and check its total hash before anyone uses it."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from garita.sync.signing import canonical

MAX_OPEN_SNAPSHOTS = 2  # a newer snapshot supersedes an unfinished older one; keep memory bounded


class SnapshotError(ValueError):
    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


@dataclass
class _Partial:
    version: int
    count: int
    total_sha256: str
    chunks: dict[int, list[dict[str, Any]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Snapshot:
    snapshot_id: str
    version: int
    entries: list[dict[str, Any]]
    sha256: str


def total_hash(entries: list[dict[str, Any]]) -> str:
    """What ``total_sha256`` means: SHA-256 of the canonical JSON of every entry in order."""
    return hashlib.sha256(canonical(entries)).hexdigest()


class SnapshotAssembler:
    """Feed verified chunk bodies in any order; ``add`` returns the snapshot once it is whole."""

    def __init__(self) -> None:
        self._open: OrderedDict[str, _Partial] = OrderedDict()

    def add(self, body: dict[str, Any]) -> Snapshot | None:
        snapshot_id, index = body["snapshot_id"], body["index"]
        partial = self._partial(body)
        if index >= partial.count:
            raise SnapshotError("malformed", f"chunk {index} of a {partial.count}-chunk snapshot")
        partial.chunks[index] = body["entries"]  # a redelivered chunk simply replaces itself
        if len(partial.chunks) < partial.count:
            return None
        del self._open[snapshot_id]
        entries = [entry for i in range(partial.count) for entry in partial.chunks[i]]
        digest = total_hash(entries)
        if digest != partial.total_sha256:
            raise SnapshotError("hash_mismatch", f"snapshot {snapshot_id} hashes to {digest[:12]}...")
        return Snapshot(snapshot_id, partial.version, entries, digest)

    def _partial(self, body: dict[str, Any]) -> _Partial:
        snapshot_id = body["snapshot_id"]
        partial = self._open.get(snapshot_id)
        if partial is None:
            partial = _Partial(body["version"], body["count"], body["total_sha256"])
            self._open[snapshot_id] = partial
            while len(self._open) > MAX_OPEN_SNAPSHOTS:
                self._open.popitem(last=False)
        elif (partial.count, partial.total_sha256, partial.version) != (
                body["count"], body["total_sha256"], body["version"]):
            raise SnapshotError("malformed", f"chunks of snapshot {snapshot_id} disagree on count/hash/version")
        return partial
