"""A throwaway PostgreSQL cluster on a Unix socket in a temporary folder (server binaries from
scripts/setup; run as postgres): the bench's and the store tests' (tests/store/conftest.py)."""

from __future__ import annotations

import glob
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PORT = 25439


def server_binaries() -> Path | None:
    """The newest installed PostgreSQL server's bin folder (scripts/setup installs one)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


@contextmanager
def throwaway_cluster(port: int = PORT, durable: bool = False,
                      prefix: str = "hotline-bench-pg-") -> Iterator[str]:
    """The cluster's SQLAlchemy URL while it runs. Not under pytest's tmp folder: that one is
    private to root, and the server runs as postgres. `durable` False turns fsync off (the
    bench seeds a million rows; the store tests keep PostgreSQL's defaults)."""
    bin_dir = server_binaries()
    if bin_dir is None:
        raise SystemExit("PostgreSQL server binaries are installed by scripts/setup")
    data = Path(tempfile.mkdtemp(prefix=prefix))
    shutil.chown(data, "postgres")
    data.chmod(0o700)
    as_postgres = ["runuser", "-u", "postgres", "--"]
    fast = "" if durable else " -c fsync=off -c synchronous_commit=off"
    subprocess.run([*as_postgres, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust",
                    "-U", "postgres"], check=True, capture_output=True, timeout=120)
    subprocess.run([*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-t", "30",
                    "-l", str(data / "log"), "-o",
                    f"-p {port} -k {data} -c listen_addresses=''{fast}", "start"],
                   check=True, capture_output=True, timeout=60)
    try:
        yield f"postgresql+psycopg://postgres@/postgres?host={data}&port={port}"
    finally:
        subprocess.run([*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast",
                        "stop"], capture_output=True, timeout=60)
        shutil.rmtree(data, ignore_errors=True)
