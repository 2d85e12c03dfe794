"""The consumer group's shared PostgreSQL database (psycopg 3): the same interface as the SQLite store.

Events are partitioned by the day the lane created them (UTC), so retention drops whole days; the
message id alone is the deduplication key, through the unpartitioned ``event_ids`` table (a
partitioned table's unique key must include the partition column). Per-lane high-water marks are
kept as events arrive; the gap pass runs in one consumer at a time (an advisory lock) and claims
each gap's requests in the ``gaps`` table, so a gap is asked for once however many consumers run.
Each table has one writing path (``lane_marks``: inserts; ``lane_complete`` and ``gaps``: the gap
pass), and rows are locked in (port, lane) or id order, so concurrent consumers do not deadlock.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from garita.sync.central.event_store import (
    AuditHead,
    Due,
    LaneKey,
    LaneVersion,
    StoreUnavailable,
    assemble_crossings,
    created_at,
    match_kinds,
    watchlist_version,
)
from garita.sync.central.gaps import MAX_RANGES, GapWatch
from garita.sync.envelope import UplinkEvent
from garita.sync.logs import log_event

T = TypeVar("T")
_LOCK_SCHEMA, _LOCK_GAPS, _LOCK_PARTITIONS = 2_104_001, 2_104_002, 2_104_003  # advisory lock keys

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id text NOT NULL, port text NOT NULL, lane text NOT NULL, seq bigint NOT NULL, kind text NOT NULL,
    created_at timestamptz NOT NULL, payload jsonb NOT NULL, stale boolean NOT NULL DEFAULT false,
    received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
CREATE TABLE IF NOT EXISTS event_ids (id text PRIMARY KEY, created_at timestamptz NOT NULL);
CREATE INDEX IF NOT EXISTS event_ids_created ON event_ids (created_at);
CREATE INDEX IF NOT EXISTS events_lane_seq ON events (port, lane, seq);
CREATE INDEX IF NOT EXISTS events_created ON events (created_at);
CREATE INDEX IF NOT EXISTS events_read_value ON events (upper(payload->>'value')) WHERE kind = 'read';
CREATE INDEX IF NOT EXISTS events_crossing ON events ((payload->>'crossing_id'));
CREATE TABLE IF NOT EXISTS lane_marks (
    port text NOT NULL, lane text NOT NULL, highest bigint NOT NULL, events bigint NOT NULL DEFAULT 0,
    last_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (port, lane)
);
CREATE TABLE IF NOT EXISTS lane_complete (
    port text NOT NULL, lane text NOT NULL, complete bigint NOT NULL, PRIMARY KEY (port, lane)
);
CREATE TABLE IF NOT EXISTS gaps (
    port text NOT NULL, lane text NOT NULL, first_seq bigint NOT NULL, last_seq bigint NOT NULL,
    first_seen timestamptz NOT NULL DEFAULT now(), requests integer NOT NULL DEFAULT 0,
    last_request timestamptz, abandoned boolean NOT NULL DEFAULT false, PRIMARY KEY (port, lane, first_seq)
);
CREATE TABLE IF NOT EXISTS presence (
    port text NOT NULL, lane text NOT NULL, state text NOT NULL, at text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (port, lane)
);
CREATE TABLE IF NOT EXISTS audit_heads (
    port text NOT NULL, lane text NOT NULL, seq bigint NOT NULL, entry_id text NOT NULL, hash text NOT NULL,
    at text NOT NULL, PRIMARY KEY (port, lane)
);
CREATE TABLE IF NOT EXISTS lane_versions (
    port text NOT NULL, lane text NOT NULL, version integer NOT NULL, seq bigint NOT NULL,
    reported_at timestamptz NOT NULL, PRIMARY KEY (port, lane)
);
CREATE TABLE IF NOT EXISTS published (port text PRIMARY KEY, version integer NOT NULL, at timestamptz NOT NULL);
"""

# event_ids makes the message id alone the key (the partitioned table's key must include the day).
_INSERT_EVENTS = """
WITH batch AS (
    SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::bigint[], %s::text[], %s::timestamptz[],
                         %s::jsonb[], %s::boolean[]) AS t(id, port, lane, seq, kind, created_at, payload, stale)),
new AS (INSERT INTO event_ids SELECT id, created_at FROM batch ON CONFLICT DO NOTHING RETURNING id)
INSERT INTO events (id, port, lane, seq, kind, created_at, payload, stale)
SELECT * FROM batch WHERE id IN (SELECT id FROM new)
ON CONFLICT DO NOTHING RETURNING id
"""
_MARKS = """
INSERT INTO lane_marks AS m (port, lane, highest, events)
SELECT port, lane, max(seq), count(*) FROM unnest(%s::text[], %s::text[], %s::bigint[]) AS t(port, lane, seq)
GROUP BY port, lane ORDER BY port, lane
ON CONFLICT (port, lane) DO UPDATE SET highest = GREATEST(m.highest, EXCLUDED.highest),
    events = m.events + EXCLUDED.events, last_at = now()
"""
_AUDIT_HEAD = """
INSERT INTO audit_heads AS h VALUES (%s, %s, %s, %s, %s, %s)
ON CONFLICT (port, lane) DO UPDATE SET seq = EXCLUDED.seq, entry_id = EXCLUDED.entry_id, hash = EXCLUDED.hash,
    at = EXCLUDED.at WHERE EXCLUDED.seq > h.seq
"""
_VERSION = """
INSERT INTO lane_versions AS v VALUES (%s, %s, %s, %s, %s)
ON CONFLICT (port, lane) DO UPDATE SET version = EXCLUDED.version, seq = EXCLUDED.seq,
    reported_at = EXCLUDED.reported_at WHERE EXCLUDED.seq > v.seq
"""
# Per lane that advanced past what is known complete: the missing ranges above it, computed by the database.
_CURRENT_GAPS = """
WITH todo AS (
    SELECT m.port, m.lane, COALESCE(c.complete, 0) AS complete, m.highest
    FROM lane_marks m LEFT JOIN lane_complete c USING (port, lane) WHERE m.highest > COALESCE(c.complete, 0)),
seqs AS (
    SELECT port, lane, complete AS seq FROM todo
    UNION ALL
    SELECT e.port, e.lane, e.seq FROM events e JOIN todo t ON e.port = t.port AND e.lane = t.lane
    AND e.seq > t.complete AND e.seq <= t.highest),
runs AS (SELECT port, lane, seq, lead(seq) OVER (PARTITION BY port, lane ORDER BY seq) AS next FROM seqs)
SELECT t.port, t.lane, t.highest, r.seq + 1, r.next - 1
FROM todo t LEFT JOIN runs r ON r.port = t.port AND r.lane = t.lane AND r.next > r.seq + 1
ORDER BY t.port, t.lane, r.seq
"""
_CLAIM = """
WITH due AS (
    SELECT port, lane, first_seq, row_number() OVER (PARTITION BY port, lane ORDER BY first_seq) AS n FROM gaps
    WHERE NOT abandoned AND requests < %(max)s AND first_seen <= now() - make_interval(secs => %(grace)s)
    AND (last_request IS NULL OR last_request <= now() - make_interval(secs => %(retry)s)))
UPDATE gaps g SET requests = g.requests + 1, last_request = now()
FROM due WHERE g.port = due.port AND g.lane = due.lane AND g.first_seq = due.first_seq AND due.n <= %(ranges)s
RETURNING g.port, g.lane, g.first_seq, g.last_seq
"""
_ABANDON = """
UPDATE gaps SET abandoned = true WHERE NOT abandoned AND requests >= %(max)s
AND last_request <= now() - make_interval(secs => %(retry)s) RETURNING port, lane, first_seq, last_seq, requests
"""
_TRANSIENT = (psycopg.OperationalError, psycopg.InterfaceError, psycopg.errors.DeadlockDetected,
              psycopg.errors.SerializationFailure)


class PostgresStore:
    """One writer connection (the consumer's writer thread) and one for everything else, each reopened when lost."""

    def __init__(self, dsn: str, connect_timeout_s: float = 30.0):
        self.dsn = dsn
        self.duplicates = 0
        self._conns: dict[str, psycopg.Connection[Any]] = {}
        self._locks = {"write": threading.Lock(), "read": threading.Lock()}
        self._partitions: set[date] = set()
        self._run("write", self._create_schema)

    # -- connections ---------------------------------------------------------------------------
    def _conn(self, role: str) -> psycopg.Connection[Any]:
        conn = self._conns.get(role)
        if conn is None or conn.closed or conn.broken:
            conn = psycopg.connect(self.dsn, autocommit=True, application_name=f"garita-central-{role}")
            self._conns[role] = conn
        return conn

    def _run(self, role: str, work: Callable[[psycopg.Connection[Any]], T]) -> T:
        """``work`` on the role's connection; a lost or restarting database raises :class:`StoreUnavailable`."""
        with self._locks[role]:
            try:
                return work(self._conn(role))
            except _TRANSIENT as exc:
                conn = self._conns.pop(role, None)
                if conn is not None:
                    conn.close()
                raise StoreUnavailable(f"postgresql: {exc}".strip()) from exc

    @staticmethod
    @contextmanager
    def _tx(conn: psycopg.Connection[Any]) -> Iterator[psycopg.Cursor[Any]]:
        with conn.transaction(), conn.cursor() as cursor:
            yield cursor

    def _create_schema(self, conn: psycopg.Connection[Any]) -> None:
        with self._tx(conn) as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_SCHEMA,))  # consumers start together
            cur.execute(_SCHEMA)

    # -- writing -------------------------------------------------------------------------------
    def add(self, events: list[UplinkEvent]) -> int:
        # Inserted in id order (and marks in lane order) so two consumers lock rows in the same order.
        ordered = sorted({e.id: e for e in events}.values(), key=lambda e: e.id)
        new = self._run("write", lambda conn: self._add(conn, ordered))
        self.duplicates += len(events) - new
        return new

    def _add(self, conn: psycopg.Connection[Any], events: list[UplinkEvent]) -> int:
        times = [created_at(e) for e in events]
        self._ensure_partitions(conn, {t.astimezone(UTC).date() for t in times})
        columns = [[e.id for e in events], [e.port for e in events], [e.lane for e in events],
                   [e.seq for e in events], [e.kind for e in events], times,
                   [Jsonb(e.payload) for e in events], [e.stale for e in events]]
        try:
            new_ids = self._insert(conn, events, columns)
        except psycopg.errors.CheckViolation as exc:  # "no partition": dropped by another consumer's retention
            self._partitions.clear()
            raise StoreUnavailable(str(exc)) from exc
        return len(new_ids)

    def _insert(self, conn: psycopg.Connection[Any], events: list[UplinkEvent], columns: list[list[Any]]) -> set[str]:
        with self._tx(conn) as cur:
            cur.execute(_INSERT_EVENTS, columns)
            new_ids = {row[0] for row in cur.fetchall()}
            new = [e for e in events if e.id in new_ids]
            if new:
                cur.execute(_MARKS, ([e.port for e in new], [e.lane for e in new], [e.seq for e in new]))
                self._derived(cur, new)
        return new_ids

    def _derived(self, cur: psycopg.Cursor[Any], new: list[UplinkEvent]) -> None:
        """Audit chain heads and watchlist versions, from the newest new event of each lane."""
        heads: dict[LaneKey, UplinkEvent] = {}
        versions: dict[LaneKey, tuple[UplinkEvent, int]] = {}
        for event in new:
            key = (event.port, event.lane)
            if event.kind == "audit" and (key not in heads or event.seq > heads[key].seq):
                heads[key] = event
            version = watchlist_version(event)
            if version is not None and (key not in versions or event.seq > versions[key][0].seq):
                versions[key] = (event, version)
        cur.executemany(_AUDIT_HEAD, [(e.port, e.lane, e.seq, str(e.payload.get("entry_id", "")),
                                       str(e.payload.get("hash", "")), str(e.payload.get("at", e.created_at)))
                                      for _key, e in sorted(heads.items())])
        cur.executemany(_VERSION, [(e.port, e.lane, version, e.seq, created_at(e))
                                   for _key, (e, version) in sorted(versions.items())])

    def _ensure_partitions(self, conn: psycopg.Connection[Any], days: set[date]) -> None:
        missing = days - self._partitions
        if not missing:
            return
        with self._tx(conn) as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_PARTITIONS,))
            for day in sorted(missing):
                low = datetime(day.year, day.month, day.day, tzinfo=UTC)
                cur.execute(sql.SQL("CREATE TABLE IF NOT EXISTS {} PARTITION OF events FOR VALUES FROM ({}) TO ({})")
                            .format(sql.Identifier(f"events_{day:%Y%m%d}"), sql.Literal(low),
                                    sql.Literal(low + timedelta(days=1))))
        self._partitions |= missing

    def set_presence(self, port: str, lane: str, state: str, at: str) -> None:
        self._execute("write", "INSERT INTO presence (port, lane, state, at) VALUES (%s, %s, %s, %s)"
                      " ON CONFLICT (port, lane) DO UPDATE SET state = EXCLUDED.state, at = EXCLUDED.at,"
                      " received_at = now()", (port, lane, state, at))

    def record_published(self, port: str, version: int) -> None:
        self._execute("read", "INSERT INTO published VALUES (%s, %s, now()) ON CONFLICT (port) DO UPDATE"
                      " SET version = EXCLUDED.version, at = EXCLUDED.at", (port, version))

    # -- gaps ----------------------------------------------------------------------------------
    def claim_gaps(self, watch: GapWatch) -> list[Due]:
        """One consumer at a time computes gaps (the others skip this round); each due range is claimed once."""
        return self._run("read", lambda conn: self._claim(conn, watch))

    def _claim(self, conn: psycopg.Connection[Any], watch: GapWatch) -> list[Due]:
        policy = {"max": watch.max_requests, "grace": watch.grace_s, "retry": watch.retry_s, "ranges": MAX_RANGES}
        with self._tx(conn) as cur:
            if not cur.execute("SELECT pg_try_advisory_xact_lock(%s)", (_LOCK_GAPS,)).fetchone()[0]:
                return []
            self._refresh_gaps(cur, cur.execute(_CURRENT_GAPS).fetchall())
            claimed = cur.execute(_CLAIM, policy).fetchall()
            for port, lane, first, last, requests in cur.execute(_ABANDON, policy).fetchall():
                watch.abandoned += 1
                log_event("central.gap_abandoned", logging.ERROR, port=port, lane=lane, first=first, last=last,
                          requests=requests)
        due: dict[LaneKey, list[tuple[int, int]]] = {}
        for port, lane, first, last in sorted(claimed):
            due.setdefault((port, lane), []).append((first, last))
        return [Due(port, lane, ranges) for (port, lane), ranges in due.items()]

    @staticmethod
    def _refresh_gaps(cur: psycopg.Cursor[Any], rows: list[tuple[Any, ...]]) -> None:
        """Advance each lane's complete mark to below its first gap; forget filled gaps, note new ones."""
        lanes: dict[LaneKey, tuple[int, list[tuple[int, int]]]] = {}
        for port, lane, highest, first, last in rows:
            _, gaps = lanes.setdefault((port, lane), (highest, []))
            if first is not None:
                gaps.append((first, last))
        cur.executemany("INSERT INTO lane_complete VALUES (%s, %s, %s) ON CONFLICT (port, lane) DO UPDATE"
                        " SET complete = EXCLUDED.complete",
                        [(p, ln, gaps[0][0] - 1 if gaps else highest) for (p, ln), (highest, gaps) in lanes.items()])
        cur.executemany("DELETE FROM gaps WHERE port = %s AND lane = %s AND NOT (first_seq = ANY(%s))",
                        [(p, ln, [first for first, _ in gaps]) for (p, ln), (_, gaps) in lanes.items()])
        cur.executemany("INSERT INTO gaps (port, lane, first_seq, last_seq) VALUES (%s, %s, %s, %s)"
                        " ON CONFLICT (port, lane, first_seq) DO UPDATE SET last_seq = EXCLUDED.last_seq",
                        [(p, ln, first, last) for (p, ln), (_, gaps) in lanes.items() for first, last in gaps])

    def gaps(self, port: str, lane: str, first: int = 1) -> list[tuple[int, int]]:
        rows = self._query(
            "SELECT seq + 1, next - 1 FROM (SELECT seq, lead(seq) OVER (ORDER BY seq) AS next FROM"
            " (SELECT %s - 1 AS seq UNION ALL SELECT seq FROM events WHERE port = %s AND lane = %s AND seq >= %s)"
            " AS s) AS r WHERE next > seq + 1", (first, port, lane, first))
        return [(low, high) for low, high in rows]

    # -- reading -------------------------------------------------------------------------------
    def presence(self, port: str, lane: str) -> str | None:
        rows = self._query("SELECT state FROM presence WHERE port = %s AND lane = %s", (port, lane))
        return rows[0][0] if rows else None

    def count(self) -> int:
        return self._query("SELECT count(*) FROM events", ())[0][0]

    def seqs(self, port: str, lane: str, *, by_arrival: bool = False) -> list[int]:
        order = "received_at, seq" if by_arrival else "seq"
        return [r[0] for r in self._query(f"SELECT seq FROM events WHERE port = %s AND lane = %s ORDER BY {order}",
                                          (port, lane))]

    def lanes(self) -> list[LaneKey]:
        return [(port, lane) for port, lane in self._query("SELECT port, lane FROM lane_marks ORDER BY 1, 2", ())]

    def events(self, port: str, lane: str) -> list[dict[str, Any]]:
        def fetch(conn: psycopg.Connection[Any]) -> list[dict[str, Any]]:
            cur = conn.execute("SELECT * FROM events WHERE port = %s AND lane = %s ORDER BY seq", (port, lane))
            names = [d.name for d in cur.description or ()]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

        return self._run("read", fetch)

    def lane_versions(self) -> list[LaneVersion]:
        rows = self._query(
            "SELECT m.port, m.lane, v.version, v.reported_at, p.version FROM lane_marks m"
            " LEFT JOIN lane_versions v USING (port, lane) LEFT JOIN published p ON p.port = m.port"
            " ORDER BY m.port, m.lane", ())
        return [LaneVersion(port, lane, version, at.isoformat() if at else None, published)
                for port, lane, version, at, published in rows]

    def crossings(self, *, plate: str | None = None, document: str | None = None, container: str | None = None,
                  since: datetime | None = None, until: datetime | None = None,
                  limit: int = 100) -> list[dict[str, Any]]:
        value, kinds = match_kinds(plate, document, container)
        low = since or datetime(1970, 1, 1, tzinfo=UTC)
        high = until or datetime(9999, 1, 1, tzinfo=UTC)
        rows = self._query(
            "SELECT port, lane, payload->>'crossing_id', kind, created_at, payload FROM events"
            " WHERE kind IN ('crossing.opened', 'read', 'decision') AND payload->>'crossing_id' IN"
            " (SELECT payload->>'crossing_id' FROM events WHERE kind = 'read' AND upper(payload->>'value') = %s"
            "  AND payload->>'kind' = ANY(%s) AND created_at BETWEEN %s AND %s) ORDER BY seq",
            (value, list(kinds), low, high))
        return assemble_crossings([(p, ln, c, k, at.isoformat(), payload) for p, ln, c, k, at, payload in rows], limit)

    def audit_heads(self) -> list[AuditHead]:
        rows = self._query("SELECT port, lane, seq, entry_id, hash, at FROM audit_heads ORDER BY port, lane", ())
        return [AuditHead(*row) for row in rows]

    def audit_breaks(self, port: str, lane: str) -> list[tuple[int, str]]:
        rows = self._query(
            "SELECT seq, entry_id FROM (SELECT seq, payload->>'entry_id' AS entry_id, payload->>'prev_hash' AS prev,"
            " lag(payload->>'hash') OVER (ORDER BY seq) AS before FROM events"
            " WHERE port = %s AND lane = %s AND kind = 'audit') AS chain"
            " WHERE before IS NOT NULL AND prev IS DISTINCT FROM before ORDER BY seq", (port, lane))
        return [(seq, entry_id) for seq, entry_id in rows]

    def stored_total(self) -> int:
        """Events stored, from the high-water marks (cheap, unlike counting the events)."""
        return int(self._query("SELECT COALESCE(sum(events), 0) FROM lane_marks", ())[0][0])

    def delivery(self, kind: str | None = None) -> dict[str, float | int]:
        """What the bench checks: events, repeats stored, sequence numbers missing, latency percentiles (ms)
        from the lane's ``created_at`` to the row's commit; ``kind``: latency of that kind only."""
        where, params = ("WHERE kind = %s", (kind,)) if kind else ("", ())
        row = self._query(
            "SELECT count(*), count(*) - count(DISTINCT id),"
            " percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM received_at - created_at)),"
            " percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM received_at - created_at))"
            f" FROM events {where}", params)[0]
        missing = self._query("SELECT COALESCE(sum(top - n), 0) FROM (SELECT max(seq) AS top, count(DISTINCT seq) AS n"
                              " FROM events GROUP BY port, lane) AS per_lane", ())[0][0]
        return {"events": row[0], "duplicates": row[1], "missing": int(missing),
                "latency_ms_p50": round(float(row[2] or 0) * 1000, 1),
                "latency_ms_p95": round(float(row[3] or 0) * 1000, 1)}

    def partitions(self) -> list[str]:
        """The day partitions of ``events`` (``events_YYYYMMDD``)."""
        return [r[0] for r in self._query("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                                          " WHERE i.inhparent = 'events'::regclass ORDER BY 1", ())]

    # -- retention -----------------------------------------------------------------------------
    def prune(self, keep_days: int) -> int:
        """Drop the day partitions wholly older than ``keep_days``; returns how many went."""
        cutoff = (datetime.now(UTC) - timedelta(days=keep_days)).date()
        return self._run("read", lambda conn: self._drop_before(conn, cutoff))

    def _drop_before(self, conn: psycopg.Connection[Any], cutoff: date) -> int:
        with self._tx(conn) as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_PARTITIONS,))
            names = [r[0] for r in cur.execute("SELECT c.relname FROM pg_inherits i JOIN pg_class c"
                                               " ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass")]
            old = [n for n in names if n[len("events_"):].isdigit()
                   and datetime.strptime(n[len("events_"):], "%Y%m%d").date() < cutoff]
            for name in old:
                cur.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(name)))
            cur.execute("DELETE FROM event_ids WHERE created_at < %s", (datetime(cutoff.year, cutoff.month,
                                                                                  cutoff.day, tzinfo=UTC),))
        self._partitions = {d for d in self._partitions if d >= cutoff}
        if old:
            log_event("central.retention", logging.INFO, dropped_partitions=len(old), before=cutoff.isoformat())
        return len(old)

    # -- helpers -------------------------------------------------------------------------------
    def _query(self, query: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        return self._run("read", lambda conn: conn.execute(query, params).fetchall())  # type: ignore[arg-type]

    def _execute(self, role: str, query: str, params: tuple[Any, ...]) -> None:
        self._run(role, lambda conn: conn.execute(query, params))  # type: ignore[arg-type]

    def close(self) -> None:
        for conn in self._conns.values():
            conn.close()
        self._conns.clear()
