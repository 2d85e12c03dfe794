"""Known failures of any `garita` command, as one plain line and a sysexits code, never a traceback.

Bugs still show their traceback: only errors that name a problem the user can fix are caught here.
"""

from __future__ import annotations

import sqlite3

from garita.station.config.loader import EX_CONFIG, ConfigError
from garita.station.storage.database import StorageError
from garita.station.storage.migrations import SchemaTooNew

EX_CANTCREAT, EX_IOERR, EX_NOPERM = 73, 74, 77
KNOWN_ERRORS = (ConfigError, StorageError, SchemaTooNew, sqlite3.Error, OSError)


def describe(exc: BaseException) -> tuple[str, int]:
    """(message, exit code) for a known error."""
    if isinstance(exc, ConfigError):
        return exc.render(), EX_CONFIG
    if isinstance(exc, StorageError | SchemaTooNew):
        return f"garita: {exc}", EX_CANTCREAT
    if isinstance(exc, sqlite3.Error):
        hint = "; is the data directory writable by this user?" if "readonly" in str(exc) else ""
        return f"garita: database error: {exc}{hint}", EX_CANTCREAT
    if isinstance(exc, PermissionError):
        return f"garita: {exc.filename or 'a file'}: permission denied (run as the lane's user)", EX_NOPERM
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return f"garita: {where}{exc.strerror or exc}", EX_IOERR
    raise TypeError(f"not a known error: {exc!r}")
