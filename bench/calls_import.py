"""How fast does `hotline calls import` go? Imports N synthetic calls (bench/history.py) into
a fresh SQLite database and prints the rate, against a baseline timed in the same run: reading
and JSON-parsing the same file (the least any import must do).

    .venv/bin/python bench/calls_import.py [--calls 1000000] [--agents 500]

Goal (issue 7): 1,000,000 records in minutes.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from history import write_month

from callrecords.store import CallStore
from calls.transfer import import_calls


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--agents", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "calls.jsonl"
        t = time.perf_counter()
        write_month(path, "2026-10", args.calls, args.agents)
        print(f"wrote {args.calls} lines ({path.stat().st_size / 1e6:.0f} MB) in "
              f"{time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        with path.open("rb") as f:
            for line in f:
                json.loads(line)
        baseline = time.perf_counter() - t
        store = CallStore(f"sqlite:///{folder}/bench.db")
        store.migrate()
        t = time.perf_counter()
        report = import_calls(store, path, folder / "recordings", ZoneInfo("Asia/Shanghai"))
        took = time.perf_counter() - t
        assert not report.errors and report.imported == args.calls, report
        print(f"baseline (read + json.loads): {baseline:.1f} s")
        print(f"import (check + insert): {took:.1f} s = {args.calls / took:,.0f} calls/s, "
              f"{took / baseline:.1f}x the baseline")


if __name__ == "__main__":
    main()
