"""A real PostgreSQL for the central's tests: initdb into a temporary directory, a free port, one database each."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from garita.sync.central import pg_process
from garita.sync.central.pg_process import SETTINGS_FOR_TESTS, PostgresProcess

needs_postgres = pytest.mark.skipif(
    not pg_process.available(),
    reason="PostgreSQL is not installed (apt-get install postgresql; as root it needs the 'postgres' user)")


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresProcess]:
    if not pg_process.available():
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    server = PostgresProcess(SETTINGS_FOR_TESTS)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def pg_dsn(postgres: PostgresProcess) -> str:
    """A fresh database of this test's own on the shared server."""
    return postgres.new_database(f"t_{uuid.uuid4().hex[:12]}")
