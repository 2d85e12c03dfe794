"""Booth sign-in sessions: kept in the database (as token hashes) so a daemon restart keeps the booth signed in.

A session expires ``max_age_s`` after sign-in. It locks after ``lock_after_s`` without
input; a locked session shows no crossing data until the same officer signs in again.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from garita.station.booth.officer_accounts import Officer, get_officer
from garita.station.storage import officers_repo
from garita.station.storage.lane_store import LaneStore
from garita.station.storage.officers_repo import SessionRow


def token_hash(token: str) -> str:
    """Only the hash is stored: a copy of the database does not hand out live sessions."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Session:
    token_hash: str
    officer: Officer
    created_at: float
    last_active: float
    locked: bool
    language: str


class SessionStore:
    """Create, look up, lock, unlock and end sessions; the clock is injectable for tests."""

    def __init__(self, store: LaneStore, lock_after_s: float, max_age_s: float,
                 clock: Callable[[], float] = time.time):
        self.store = store
        self.lock_after_s = lock_after_s
        self.max_age_s = max_age_s
        self.clock = clock

    def create(self, officer: Officer, language: str) -> tuple[str, Session]:
        """A new session for ``officer``; the same officer's older sessions end (one booth, one seat)."""
        token = secrets.token_urlsafe(32)
        now = self.clock()
        with self.store.transaction() as tx:
            officers_repo.start_session(tx, SessionRow(token_hash(token), officer.id, now, now, False, language))
        return token, Session(token_hash(token), officer, now, now, False, language)

    def get(self, token: str | None) -> Session | None:
        """The live session for a cookie token, locked if idle too long; None if absent or expired."""
        if not token:
            return None
        row = officers_repo.session(self.store, token_hash(token))
        if row is None:
            return None
        officer = get_officer(self.store, row.officer_id)
        now = self.clock()
        if officer is None or not officer.active or now - row.created_at > self.max_age_s:
            self._delete(row.token_hash)
            return None
        session = Session(row.token_hash, officer, row.created_at, row.last_active, row.locked, row.language)
        if not session.locked and now - session.last_active > self.lock_after_s:
            session = self.lock(session)
        return session

    def touch(self, session: Session) -> Session:
        """Input at the booth: the inactivity clock restarts (only for an unlocked session)."""
        if session.locked:
            return session
        now = self.clock()
        with self.store.transaction() as tx:
            officers_repo.touch_session(tx, session.token_hash, now)
        return replace(session, last_active=now)

    def lock(self, session: Session) -> Session:
        with self.store.transaction() as tx:
            officers_repo.lock_session(tx, session.token_hash)
        return replace(session, locked=True)

    def unlock(self, session: Session) -> Session:
        now = self.clock()
        with self.store.transaction() as tx:
            officers_repo.unlock_session(tx, session.token_hash, now)
        return replace(session, locked=False, last_active=now)

    def set_language(self, session: Session, language: str) -> Session:
        with self.store.transaction() as tx:
            officers_repo.set_session_language(tx, session.token_hash, language)
        return replace(session, language=language)

    def end(self, session: Session) -> None:
        self._delete(session.token_hash)

    def _delete(self, hashed: str) -> None:
        with self.store.transaction() as tx:
            officers_repo.end_session(tx, hashed)
