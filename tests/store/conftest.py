"""Fixtures for the store tests: one throwaway PostgreSQL cluster for the session (in a temporary
folder, on a Unix socket only), and a store migrated from empty on each back end."""

from __future__ import annotations

import glob
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from callrecords.store import CallStore

PG_PORT = 25432


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    bin_dir = _pg_bin()
    if bin_dir is None or shutil.which("runuser") is None:
        pytest.skip("PostgreSQL server binaries are installed by scripts/setup")
    # Not under pytest's tmp folder: that one is private to root, and the server runs as postgres.
    data = Path(tempfile.mkdtemp(prefix="hotline-pg-"))
    shutil.chown(data, "postgres")
    data.chmod(0o700)
    as_postgres = ["runuser", "-u", "postgres", "--"]
    subprocess.run([*as_postgres, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust",
                    "-U", "postgres"], check=True, capture_output=True, timeout=120)
    subprocess.run([*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-t", "30",
                    "-l", str(data / "log"), "-o",
                    f"-p {PG_PORT} -k {data} -c listen_addresses=''", "start"],
                   check=True, capture_output=True, timeout=60)
    try:
        yield f"postgresql+psycopg://postgres@/postgres?host={data}&port={PG_PORT}"
    finally:
        subprocess.run([*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast",
                        "stop"], capture_output=True, timeout=60)
        shutil.rmtree(data, ignore_errors=True)


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


