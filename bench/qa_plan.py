"""How fast is the monthly QA plan? Builds the plan of a month of N calls across A agents
(imported with `hotline calls import`'s code into a fresh SQLite database) and prints the time
and peak memory, against a baseline timed in the same run: reading those records with one
query (`SELECT * FROM calls WHERE agent_answered_at in the month`, straight through the DB-API
driver, and through SQLAlchemy Core).

    .venv/bin/python bench/qa_plan.py [--calls 1000000] [--agents 500] [--previous 100000]

The previous month gets --previous calls so that every agent has a quota (R18). Recordings are
marked on the answered calls by one UPDATE (the plan reads only whether a call has one).
Goal (issue 7): under 5 s, and within 3x the read.

Measured (2026-12-07, the shared 2-core development machine, load average 2-3 from other
work): 1,000,000 calls of October (950,201 handled) across 500 agents, 100,000 in September;
the plan (10,356 items: 606 r18_sample, 500 r19_short, 9,258 r19_long_in_missed_period) built
in 10.4 s, best of 3, against 6.4 s for the one-query DB-API read (1.6x; 15.4 s through
SQLAlchemy Core); peak Python memory 375 MB (tracemalloc). Within 3x the read: met. Under 5 s:
not met here, since reading the month's rows alone takes longer than that on this machine.
"""

from __future__ import annotations

import argparse
import gc
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from history import write_month
from sqlalchemy import select, text

from callrecords.models import Call
from callrecords.store import CallStore
from calls.transfer import import_calls
from qa.planning import build, plan_view
from qa.sampling import SamplingRules
from qa.store import QaStore, month_bounds

ZONE = ZoneInfo("Asia/Shanghai")
MONTH = "2026-10"


def _load(folder: Path, store: CallStore, calls: int, agents: int, previous: int) -> None:
    for month, count, seed in (("2026-09", previous, 2), (MONTH, calls, 1)):
        path = folder / f"{month}.jsonl"
        t = time.perf_counter()
        write_month(path, month, count, agents, seed=seed)
        report = import_calls(store, path, folder / "recordings", ZONE)
        assert not report.errors and report.imported == count, report.errors[:3]
        print(f"imported {count:,} calls of {month} in {time.perf_counter() - t:.0f} s")
        path.unlink()
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE calls SET recording_path = linkedid || '.wav' "
                          "WHERE disposition = 'answered'"))


def _read_raw(database: Path) -> tuple[float, int]:
    start, end = month_bounds(MONTH, ZONE)
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    t = time.perf_counter()
    with sqlite3.connect(database) as conn:
        rows = conn.execute("SELECT * FROM calls WHERE agent_answered_at >= ? AND "
                            "agent_answered_at < ?", (start.strftime(fmt), end.strftime(fmt))
                            ).fetchall()
    return time.perf_counter() - t, len(rows)


def _read_core(store: CallStore) -> tuple[float, int]:
    start, end = month_bounds(MONTH, ZONE)
    t = time.perf_counter()
    with store.engine.connect() as conn:
        rows = conn.execute(select(Call.__table__).where(
            Call.agent_answered_at >= start, Call.agent_answered_at < end)).all()
    return time.perf_counter() - t, len(rows)


def _drop_plan(store: CallStore) -> None:
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM qa_plan_items"))
        conn.execute(text("DELETE FROM qa_plans"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--previous", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = CallStore(f"sqlite:///{folder}/bench.db")
        store.migrate()
        _load(folder, store, args.calls, args.agents, args.previous)
        qa, rules = QaStore(store), SamplingRules()
        now = datetime(2026, 11, 1, 9, tzinfo=ZONE)
        raw, core, plans = [], [], []
        for _ in range(args.runs):
            seconds, rows = _read_raw(folder / "bench.db")
            raw.append(seconds)
            core.append(_read_core(store)[0])
            _drop_plan(store)
            gc.collect()
            t = time.perf_counter()
            build(qa, MONTH, rules, ZONE, now)
            plans.append(time.perf_counter() - t)
        _drop_plan(store)
        tracemalloc.start()
        build(qa, MONTH, rules, ZONE, now)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        view = plan_view(qa, MONTH)
        assert view is not None
        reasons: dict[str, int] = {}
        for item in view["items"]:
            for reason in item["reasons"]:
                reasons[str(reason)] = reasons.get(str(reason), 0) + 1
        print(f"month {MONTH}: {rows:,} handled calls, {len(view['agents'])} agents, "
              f"{len(view['items']):,} items {reasons}")
        print(f"baseline read, one query, sqlite3 DB-API:  best {min(raw):.2f} s")
        print(f"baseline read, one query, SQLAlchemy Core: best {min(core):.2f} s")
        print(f"plan build (read + rules + write):        best {min(plans):.2f} s "
              f"= {min(plans) / min(raw):.1f}x the DB-API read, "
              f"{min(plans) / min(core):.1f}x the Core read")
        print(f"plan build peak Python memory (tracemalloc): {peak / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
