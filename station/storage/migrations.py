"""Forward-only schema migrations, tracked in SQLite's ``user_version``."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from garita.station.storage.audit_chain import chain_existing

# Each entry moves the schema from version N-1 to N. Never edit a released entry:
# add a new one, so a lane upgraded in the field migrates in place.
MIGRATIONS: list[str | Callable[[sqlite3.Connection], None]] = [
    # 1: the first release
    """
    CREATE TABLE crossings (
        id TEXT PRIMARY KEY,
        lane_id TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('open', 'flagged_idle', 'closed')),
        trigger TEXT NOT NULL,
        opened_at TEXT NOT NULL,
        last_activity_at TEXT NOT NULL,
        closed_at TEXT,
        flagged_at TEXT
    );
    CREATE TABLE reads (
        id INTEGER PRIMARY KEY,
        crossing_id TEXT NOT NULL REFERENCES crossings(id),
        device TEXT NOT NULL,
        kind TEXT NOT NULL,
        value TEXT NOT NULL,
        data TEXT NOT NULL DEFAULT '{}',
        read_at TEXT NOT NULL
    );
    CREATE TABLE decisions (
        id TEXT PRIMARY KEY,
        crossing_id TEXT NOT NULL UNIQUE REFERENCES crossings(id),
        action TEXT NOT NULL CHECK (action IN ('release', 'secondary', 'detain')),
        officer_id TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        decided_at TEXT NOT NULL
    );
    CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at TEXT NOT NULL,
        sent_at TEXT
    );
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        crossing_id TEXT REFERENCES crossings(id),
        detail TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX reads_crossing ON reads(crossing_id);
    CREATE INDEX crossings_state ON crossings(state);
    """,
    # 2: keep where a read's image lives and when the daemon received it, search reads by value,
    #    and let the uplink pick live messages before backlog.
    """
    ALTER TABLE reads ADD COLUMN image_path TEXT;
    ALTER TABLE reads ADD COLUMN received_at TEXT;
    UPDATE reads SET received_at = read_at WHERE received_at IS NULL;
    ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 5;
    CREATE INDEX reads_value ON reads(value);
    CREATE INDEX outbox_pending ON outbox(sent_at, priority, seq);
    CREATE INDEX crossings_opened ON crossings(opened_at);
    """,
    # 3: booth screen: officers (PIN as a salted scrypt hash, optional badge EPC) and their
    #    sign-in sessions (only a hash of the session token is kept), so a daemon restart
    #    does not sign the booth out.
    """
    CREATE TABLE officers (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('officer', 'supervisor', 'technician')),
        pin_hash TEXT,
        badge_epc TEXT UNIQUE,
        language TEXT NOT NULL DEFAULT '',
        active INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL
    );
    CREATE TABLE booth_sessions (
        token_hash TEXT PRIMARY KEY,
        officer_id TEXT NOT NULL REFERENCES officers(id),
        created_at REAL NOT NULL,
        last_active REAL NOT NULL,
        locked INTEGER NOT NULL DEFAULT 0,
        language TEXT NOT NULL
    );
    CREATE INDEX decisions_officer ON decisions(officer_id);
    """,
    # 4: risk assessments (append-only: a new row when a crossing's recommendation or reasons change),
    #    cached pre-arrival declarations with their match keys, and the version held of each signed feed.
    """
    CREATE TABLE assessments (
        id TEXT PRIMARY KEY,
        crossing_id TEXT NOT NULL REFERENCES crossings(id),
        recommendation TEXT NOT NULL CHECK (recommendation IN ('release', 'secondary', 'detain')),
        detail TEXT NOT NULL,
        watchlist_version INTEGER,
        declaration_id TEXT,
        declaration_version INTEGER,
        assessed_at TEXT NOT NULL
    );
    CREATE INDEX assessments_crossing ON assessments(crossing_id, assessed_at);
    CREATE TABLE declarations (
        id TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        data TEXT NOT NULL
    );
    CREATE TABLE declaration_keys (
        k TEXT NOT NULL,
        declaration_id TEXT NOT NULL REFERENCES declarations(id) ON DELETE CASCADE
    );
    CREATE INDEX declaration_keys_k ON declaration_keys(k);
    CREATE TABLE feeds (
        feed TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        applied_at TEXT NOT NULL,
        key_id TEXT NOT NULL
    );
    """,
    # 5: the joint decision record (second officer, the recommendation it accepted or overrode,
    #    notes, and the basis: reasons, watchlist and declaration versions) and a hash-chained
    #    audit trail. Decisions and audit entries are never updated or deleted.
    """
    ALTER TABLE decisions ADD COLUMN second_officer_id TEXT;
    ALTER TABLE decisions ADD COLUMN recommendation TEXT;
    ALTER TABLE decisions ADD COLUMN override INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE decisions ADD COLUMN notes TEXT NOT NULL DEFAULT '';
    ALTER TABLE decisions ADD COLUMN basis TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE audit ADD COLUMN prev_hash TEXT;
    ALTER TABLE audit ADD COLUMN hash TEXT;
    CREATE TRIGGER decisions_never_updated BEFORE UPDATE ON decisions
        BEGIN SELECT RAISE(ABORT, 'decisions are never updated; record a new fact instead'); END;
    CREATE TRIGGER decisions_never_deleted BEFORE DELETE ON decisions
        BEGIN SELECT RAISE(ABORT, 'decisions are never deleted'); END;
    CREATE TRIGGER audit_never_deleted BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'audit entries are never deleted'); END;
    CREATE TRIGGER audit_sealed BEFORE UPDATE ON audit WHEN OLD.hash IS NOT NULL
        BEGIN SELECT RAISE(ABORT, 'audit entries are never updated'); END;
    """,
    chain_existing,
    # 7: segmentation. A crossing is one vehicle: when its vehicle left (presence, or inferred when the
    #    next vehicle opened its crossing), and for each read the rule that attached it and whether that
    #    rule was a guess the officer should check (and may move).
    """
    ALTER TABLE crossings ADD COLUMN departed_at TEXT;
    UPDATE crossings SET departed_at = COALESCE(closed_at, last_activity_at, opened_at);
    ALTER TABLE reads ADD COLUMN rule TEXT NOT NULL DEFAULT '';
    ALTER TABLE reads ADD COLUMN ambiguous INTEGER NOT NULL DEFAULT 0;
    """,
    # 8: downlink state that must survive a restart: the ids of applied messages (kept until they
    #    expire, so a replay is refused), the last version applied of each declaration (kept after a
    #    removal, so an older copy cannot bring it back), and counters that lane.metrics reports.
    """
    CREATE TABLE downlink_applied (
        message_id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        applied_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );
    CREATE INDEX downlink_applied_expiry ON downlink_applied(expires_at);
    CREATE TABLE declaration_versions (
        id TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        removed INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE counters (
        name TEXT PRIMARY KEY,
        value INTEGER NOT NULL
    );
    """,
    # 9: the joint decision of both agencies. Each officer belongs to an agency; an officer of one agency
    #    proposes, one of the other countersigns within the configured time (or disagrees, and a supervisor
    #    decides). Proposals, answers and the joint record of each decision are append-only like decisions.
    #    lane_settings keeps the running daemon's joint rule, so `garita decide` without the config keeps it.
    """
    ALTER TABLE officers ADD COLUMN agency TEXT NOT NULL DEFAULT '' CHECK (agency IN ('', 'US', 'MX'));
    CREATE TABLE joint_proposals (
        id TEXT PRIMARY KEY,
        crossing_id TEXT NOT NULL REFERENCES crossings(id),
        officer_id TEXT NOT NULL,
        agency TEXT NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('release', 'secondary', 'detain')),
        reason TEXT NOT NULL DEFAULT '',
        recommendation TEXT,
        supervisor_id TEXT,
        notes TEXT NOT NULL DEFAULT '',
        proposed_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );
    CREATE INDEX joint_proposals_crossing ON joint_proposals(crossing_id, proposed_at);
    CREATE TABLE joint_answers (
        id TEXT PRIMARY KEY,
        proposal_id TEXT NOT NULL UNIQUE REFERENCES joint_proposals(id),
        verdict TEXT NOT NULL CHECK (verdict IN ('confirmed', 'disagreed', 'expired')),
        officer_id TEXT NOT NULL,
        agency TEXT NOT NULL,
        action TEXT,
        reason TEXT NOT NULL DEFAULT '',
        answered_at TEXT NOT NULL
    );
    CREATE TABLE joint_records (
        decision_id TEXT PRIMARY KEY REFERENCES decisions(id),
        crossing_id TEXT NOT NULL REFERENCES crossings(id),
        proposal_id TEXT NOT NULL REFERENCES joint_proposals(id),
        outcome TEXT NOT NULL CHECK (outcome IN ('countersigned', 'supervisor')),
        proposer_id TEXT NOT NULL,
        proposer_agency TEXT NOT NULL,
        proposed_action TEXT NOT NULL,
        countersigner_id TEXT NOT NULL,
        countersigner_agency TEXT NOT NULL,
        countersigned_action TEXT NOT NULL,
        supervisor_id TEXT
    );
    CREATE TRIGGER joint_proposals_never_updated BEFORE UPDATE ON joint_proposals
        BEGIN SELECT RAISE(ABORT, 'joint proposals are never updated'); END;
    CREATE TRIGGER joint_proposals_never_deleted BEFORE DELETE ON joint_proposals
        BEGIN SELECT RAISE(ABORT, 'joint proposals are never deleted'); END;
    CREATE TRIGGER joint_answers_never_updated BEFORE UPDATE ON joint_answers
        BEGIN SELECT RAISE(ABORT, 'joint answers are never updated'); END;
    CREATE TRIGGER joint_answers_never_deleted BEFORE DELETE ON joint_answers
        BEGIN SELECT RAISE(ABORT, 'joint answers are never deleted'); END;
    CREATE TRIGGER joint_records_never_updated BEFORE UPDATE ON joint_records
        BEGIN SELECT RAISE(ABORT, 'joint records are never updated'); END;
    CREATE TRIGGER joint_records_never_deleted BEFORE DELETE ON joint_records
        BEGIN SELECT RAISE(ABORT, 'joint records are never deleted'); END;
    CREATE TABLE lane_settings (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
]

LATEST = len(MIGRATIONS)

# What each migration does, in words, for `garita migrate --check` (one line per entry above).
NOTES: list[str] = [
    "the first release: crossings, reads, decisions, outbox, audit",
    "reads keep their image path and receipt time; the outbox gets priorities; read and crossing indexes",
    "booth officers (scrypt PIN hashes, badges) and sign-in sessions",
    "risk assessments, cached pre-arrival declarations, signed feed versions",
    "the joint decision record (second officer, recommendation, override, notes, basis); "
    "decisions and audit become append-only (triggers)",
    "chains every existing audit entry into the SHA-256 hash chain (rewrites prev_hash/hash of each entry)",
    "crossing segmentation: when each crossing's vehicle left, and the rule that attached each read "
    "(marked when it was a guess the officer may move)",
    "downlink state that survives a restart: applied message ids (replays refused), each declaration's "
    "last version (older copies refused), persistent counters",
    "the joint decision of both agencies: each officer's agency, proposals, countersign/disagree answers and "
    "the joint record of each decision (append-only); the daemon's joint rule for the CLI",
]


class SchemaTooNew(Exception):
    """The database was written by a newer Garita than the one running."""


def current_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def pending(conn: sqlite3.Connection) -> list[tuple[int, str]]:
    """(number, what it does) of each migration an open would apply now."""
    version = current_version(conn)
    if version > LATEST:
        raise SchemaTooNew(f"database schema is version {version} but this garita knows up to {LATEST}")
    return [(number, NOTES[number - 1]) for number in range(version + 1, LATEST + 1)]


def migrate(conn: sqlite3.Connection, target: int = LATEST) -> list[int]:
    """Apply every pending migration up to ``target``, each in its own transaction."""
    version = current_version(conn)
    if version > LATEST:
        raise SchemaTooNew(
            f"database schema is version {version} but this garita knows up to {LATEST}; "
            "upgrade garita (or restore the database backup made before the downgrade)"
        )
    applied = []
    for number in range(version + 1, target + 1):
        _apply(conn, number, MIGRATIONS[number - 1])
        applied.append(number)
    return applied


def _statements(script: str) -> list[str]:
    """Split a script into statements; a trigger body's inner ';' does not end the statement."""
    statements, buffer = [], ""
    for piece in script.split(";"):
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            if buffer.strip(" \n;"):
                statements.append(buffer.strip())
            buffer = ""
    return statements


def _apply(conn: sqlite3.Connection, number: int, step: str | Callable[[sqlite3.Connection], None]) -> None:
    # executescript() commits first, so run statements one by one inside BEGIN/COMMIT
    # to make each migration all-or-nothing. A Python step (rewriting data) runs the same way.
    conn.execute("BEGIN IMMEDIATE")
    try:
        if callable(step):
            step(conn)
        for statement in [] if callable(step) else _statements(step):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {int(number)}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
