"""GET /calls?agent= before and after call_agents (issue 8, migration 0012_call_agents), A/B
in one run on the same database: the store's page query as it was (the first agent only,
`calls.agent` through ix_calls_agent_started_at of 0011) and as it is (any of the call's
agents, through ix_call_agents_agent_started_at), interleaved query by query so both see the
same load of the shared machine.

    .venv/bin/python bench/agent_filter.py [--calls 1000000] [--postgres] [--rounds 200]

Uses bench/api_million.py's database (seeded once into var/bench/, migrated to every head);
with --postgres a throwaway cluster seeded afresh. What is timed is what GET /calls runs for
one page of the filter: the page's keys, its rows with their legs, and the bounded count
(api.count_limit); the HTTP run is api_million.py's `agent*` cases. Results go to
bench/results/<date>.json under `agent_filter_<backend>`."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, tuple_

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from aggregate import summary
from api_million import WORK, prepared_store
from million_seed import AGENTS, FIRST_AGENT
from results_file import save_section

from callrecords.models import Call
from callrecords.store import CallFilter, CallStore, _matching, _order
from settings import load_settings
from tests.postgres_cluster import throwaway_cluster

PAGE = 50


def _before(store: CallStore, f: CallFilter, offset: int, count_limit: int) -> int:
    """The page query of 0011: calls.agent only (the first agent)."""
    where = [Call.agent == f.agent]
    if f.disposition:
        where.append(Call.disposition == f.disposition)
    order = (Call.started_at.desc(), Call.id.desc())
    with store.sessions() as s:
        keys = s.execute(select(Call.started_at, Call.id).where(*where)
                         .order_by(*order).limit(PAGE).offset(offset)).all()
        ids = [k[1] for k in keys]
        s.scalars(select(Call).where(Call.id.in_(ids)).order_by(*order)).all()  # with legs
        if len(keys) < PAGE:
            return offset + len(keys)
        last = keys[-1]
        after = (select(Call.id).where(*where)
                 .where(tuple_(Call.started_at, Call.id) < tuple_(last[0], last[1]))
                 .limit(count_limit + 1))
        counted = s.scalar(select(func.count()).select_from(after.subquery())) or 0
        return offset + len(keys) + counted


def _after(store: CallStore, f: CallFilter, offset: int, count_limit: int) -> int:
    """The store's page query as it is now (call_agents)."""
    return store.page(f, PAGE, offset, count_limit).total


def _plan(store: CallStore, f: CallFilter, offset: int) -> list[str]:
    """The database's plan of the page's keys query as the store runs it now."""
    at, ident = _order(f)
    query = _matching(f, at, ident).order_by(at.desc(), ident.desc()).limit(PAGE).offset(offset)
    sql = str(query.compile(store.engine, compile_kwargs={"literal_binds": True}))
    explain = ("EXPLAIN QUERY PLAN " if store.engine.dialect.name == "sqlite"
               else "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) ")
    with store.engine.connect() as conn:
        return [" ".join(str(c) for c in row) for row in conn.exec_driver_sql(explain + sql)]


def run(url: str, calls: int, rounds: int) -> dict[str, Any]:
    store = prepared_store(url, calls)
    count_limit = load_settings(environ={}).api.count_limit
    agent = str(FIRST_AGENT + AGENTS // 2)
    cases = {
        "agent": (CallFilter(agent=agent), 0),
        "agent_and_disposition": (CallFilter(agent=agent, disposition="answered"), 0),
        "agent_offset_last_page": (CallFilter(agent=agent),
                                   max(0, calls * 85 // 100 // AGENTS - 60)),
    }
    ways: dict[str, Callable[[CallStore, CallFilter, int, int], int]] = {
        "before": _before, "after": _after}
    out: dict[str, Any] = {"calls": calls, "rounds": rounds, "count_limit": count_limit}
    for name, (f, offset) in cases.items():
        samples: dict[str, list[float]] = {way: [] for way in ways}
        totals = {way: query(store, f, offset, count_limit) for way, query in ways.items()}
        for _ in range(rounds):
            for way, query in ways.items():
                t = time.perf_counter()
                query(store, f, offset, count_limit)
                samples[way].append((time.perf_counter() - t) * 1000)
        out[name] = {way: summary(s) for way, s in samples.items()} | {
            "totals": totals, "plan": _plan(store, f, offset)}
        print(f"  {name:<24} " + "  ".join(
            f"{way} p50 {out[name][way]['p50']:6.2f} ms p95 {out[name][way]['p95']:6.2f} ms"
            for way in ways) + f"  (matches {totals})", flush=True)
        print("    " + "\n    ".join(out[name]["plan"]), flush=True)
    store.engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    if args.postgres:
        with throwaway_cluster() as url:
            results = run(url, args.calls, args.rounds)
        backend = "postgresql"
    else:
        results = run(f"sqlite:///{WORK}/api-{args.calls}.db", args.calls, args.rounds)
        backend = "sqlite"
    print(f"saved to {save_section(f'agent_filter_{backend}', results)}")


if __name__ == "__main__":
    main()
