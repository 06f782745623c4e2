"""Fixtures for the store tests: one throwaway PostgreSQL cluster for the session (in a temporary
folder, on a Unix socket only), and a store migrated from empty on each back end."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from callrecords.store import CallStore
from tests.postgres_cluster import server_binaries, throwaway_cluster

PG_PORT = 25432


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    if server_binaries() is None or shutil.which("runuser") is None:
        pytest.skip("PostgreSQL server binaries are installed by scripts/setup")
    with throwaway_cluster(PG_PORT, durable=True, prefix="hotline-pg-") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CallStore]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/calls.db"
    else:
        url = request.getfixturevalue("postgres_url")
    s = CallStore(url)
    s.migrate()
    yield s
    if request.param == "postgresql":
        # Every feature's tables and alembic's own: the next test migrates from empty again.
        with s.engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    s.engine.dispose()


