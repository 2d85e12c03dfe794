"""What the central needs from its database: one interface, two implementations.

:class:`~sync.central.store_sqlite.SqliteStore` is the embedded default (a demo or field-check central,
one process); :class:`~sync.central.store_postgres.PostgresStore` is the consumer group's shared database
(N processes, one PostgreSQL). Both drop duplicates by message id and find sequence gaps in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from garita.sync.central.gaps import GapWatch
from garita.sync.envelope import UplinkEvent

LaneKey = tuple[str, str]  # (port, lane)
READ_KINDS_BY_FIELD = {"plate": ("plate", "image"), "container": ("container",), "document": ("document",)}


class StoreUnavailable(Exception):
    """The database cannot be written just now (restarting, unreachable, full): retry, ack nothing."""


@dataclass(frozen=True)
class LaneVersion:
    """Which watchlist version a lane last said it holds (its ``lane.metrics``), against what was published."""

    port: str
    lane: str
    version: int | None
    reported_at: str | None
    published: int | None

    @property
    def behind(self) -> bool:
        return self.published is not None and (self.version is None or self.version < self.published)


@dataclass(frozen=True)
class AuditHead:
    port: str
    lane: str
    seq: int
    entry_id: str
    hash: str
    at: str


@dataclass(frozen=True)
class Due:
    """Gap ranges of one lane that this consumer has claimed the right to ask for now."""

    port: str
    lane: str
    ranges: list[tuple[int, int]]


def created_at(event: UplinkEvent) -> datetime:
    """The lane's timestamp, which decides the day partition; a bad one makes the message malformed."""
    try:
        when = datetime.fromisoformat(event.created_at)
    except ValueError:
        raise ValueError(f"created_at {event.created_at[:40]!r} is not ISO 8601") from None
    if when.tzinfo is None:
        raise ValueError("created_at must carry a UTC offset")
    return when


def watchlist_version(event: UplinkEvent) -> int | None:
    """The version a ``lane.metrics`` event reports holding (None: it holds none or does not say)."""
    if event.kind != "lane.metrics":
        return None
    version = (event.payload.get("watchlist") or {}).get("version")
    return version if type(version) is int else None


class CentralStore(Protocol):
    """Every uplink event once; presence; high-water marks and gaps; lane versions; queries; retention."""

    duplicates: int  # events this process offered that were already stored

    def add(self, events: list[UplinkEvent]) -> int:
        """Store the events not seen before (one transaction); returns how many were new."""
        ...

    def set_presence(self, port: str, lane: str, state: str, at: str) -> None: ...

    def presence(self, port: str, lane: str) -> str | None: ...

    def count(self) -> int: ...

    def seqs(self, port: str, lane: str, *, by_arrival: bool = False) -> list[int]: ...

    def gaps(self, port: str, lane: str, first: int = 1) -> list[tuple[int, int]]:
        """Missing sequence ranges (inclusive) from ``first`` to the highest seen."""
        ...

    def lanes(self) -> list[LaneKey]: ...

    def events(self, port: str, lane: str) -> list[dict[str, Any]]:
        """In lane sequence order."""
        ...

    def claim_gaps(self, watch: GapWatch) -> list[Due]:
        """The gaps due a resend request now, claimed so that no other consumer asks for them too."""
        ...

    def record_published(self, port: str, version: int) -> None:
        """The central published watchlist ``version`` to ``port``: lanes below it are behind."""
        ...

    def lane_versions(self) -> list[LaneVersion]: ...

    def crossings(self, *, plate: str | None = None, document: str | None = None, container: str | None = None,
                  since: datetime | None = None, until: datetime | None = None,
                  limit: int = 100) -> list[dict[str, Any]]:
        """Crossings with a read of this value (and their decisions), newest first."""
        ...

    def audit_heads(self) -> list[AuditHead]: ...

    def audit_breaks(self, port: str, lane: str) -> list[tuple[int, str]]:
        """(seq, entry_id) of each audit entry whose ``prev_hash`` is not the hash of the entry before it."""
        ...

    def prune(self, keep_days: int) -> int:
        """Retention: drop events created more than ``keep_days`` ago; returns how many (or partitions) went."""
        ...

    def close(self) -> None: ...


def assemble_crossings(rows: list[tuple[str, str, str, str, str, dict[str, Any]]], limit: int) -> list[dict[str, Any]]:
    """Rows (port, lane, crossing_id, kind, created_at, payload) of matched crossings -> one dict each."""
    found: dict[tuple[str, str, str], dict[str, Any]] = {}
    for port, lane, crossing_id, kind, at, payload in rows:
        crossing = found.setdefault((port, lane, crossing_id), {"port": port, "lane": lane, "crossing_id": crossing_id,
                                                                "opened_at": None, "reads": [], "decisions": []})
        if kind == "crossing.opened":
            crossing["opened_at"] = payload.get("at", at)
        elif kind == "read":
            crossing["reads"].append({"kind": payload.get("kind"), "value": payload.get("value"), "at": at})
        elif kind == "decision":
            crossing["decisions"].append({"action": payload.get("action"), "officer_id": payload.get("officer_id"),
                                          "at": payload.get("at", at)})
    ordered = sorted(found.values(), key=lambda c: c["opened_at"] or (c["reads"] or [{"at": ""}])[0]["at"],
                     reverse=True)
    return ordered[:limit]


def match_kinds(plate: str | None, document: str | None, container: str | None) -> tuple[str, tuple[str, ...]]:
    """(value, read kinds) for the one search field given."""
    given = [(field, value) for field, value in (("plate", plate), ("document", document), ("container", container))
             if value]
    if len(given) != 1:
        raise ValueError("give exactly one of plate, document, container")
    field, value = given[0]
    return value.strip().upper(), READ_KINDS_BY_FIELD[field]
