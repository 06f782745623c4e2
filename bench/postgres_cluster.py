"""A throwaway PostgreSQL cluster on a Unix socket in a temporary folder, the way
tests/store/conftest.py starts one (server binaries from scripts/setup; run as postgres)."""

from __future__ import annotations

import glob
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PORT = 25439


@contextmanager
def throwaway_cluster() -> Iterator[str]:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise SystemExit("PostgreSQL server binaries are installed by scripts/setup")
    bin_dir = Path(found[-1]).parent
    data = Path(tempfile.mkdtemp(prefix="hotline-bench-pg-"))
    shutil.chown(data, "postgres")
    data.chmod(0o700)
    as_postgres = ["runuser", "-u", "postgres", "--"]
    subprocess.run([*as_postgres, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust",
                    "-U", "postgres"], check=True, capture_output=True, timeout=120)
    subprocess.run([*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-t", "30",
                    "-l", str(data / "log"), "-o",
                    f"-p {PORT} -k {data} -c listen_addresses='' -c fsync=off "
                    "-c synchronous_commit=off", "start"],
                   check=True, capture_output=True, timeout=60)
    try:
        yield f"postgresql+psycopg://postgres@/postgres?host={data}&port={PORT}"
    finally:
        subprocess.run([*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast",
                        "stop"], capture_output=True, timeout=60)
        shutil.rmtree(data, ignore_errors=True)
