"""How long does listing breached tickets take among 100,000? Prints median times.

    .venv/bin/python bench/tickets_breached.py [--tickets 100000] [--runs 7] [--url URL]

Fills a fresh database (SQLite in a temporary folder by default; --url for PostgreSQL) with
`--tickets` tickets spread over a year: 5% marked breached, 2% with a running clock overdue
that the watcher has not marked yet, the rest due in the future or done. Then times, in the
same run on the same data:

- the store's query: `breached=true`, first page of 50 with the total (what GET /tickets does),
  against the baseline of the same page with no filter;
- the whole route through the API (FastAPI TestClient: auth, query, clocks, JSON), again
  against the unfiltered route;
- paging through every breached ticket 500 at a time.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi.testclient import TestClient
from sqlalchemy import insert

from api.app import create_app
from callrecords.store import CallStore
from domain.clock import ManualClock
from settings import load_settings
from tickets.models import Ticket
from tickets.store import TicketFilter, TicketStore

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def fill(store: CallStore, count: int) -> int:
    rng = random.Random(6)
    rows, breached = [], 0
    for i in range(count):
        accepted = NOW - timedelta(seconds=rng.randrange(365 * 86400))
        roll = rng.random()
        marked, due = roll < 0.05, None
        if roll < 0.07:
            breached += 1
            due = None if marked else NOW - timedelta(minutes=rng.randrange(1, 600))
        elif roll < 0.6:
            due = NOW + timedelta(minutes=rng.randrange(1, 5000))
        rows.append({
            "category": rng.choice(["inquiry", "complaint", "suggestion", "repair"]),
            "subject": f"ticket {i}", "description": "", "customer_number": f"138{i:08d}",
            "customer_name": "", "channel": "phone", "status": "new",
            "accepted_at": accepted, "created_by": "bench", "flags": {}, "call_ids": [],
            "events": [{"type": "created", "at": accepted.isoformat(), "by": "bench"}],
            "callback_chosen": False, "breached": marked, "next_due_at": due})
        if len(rows) == 5000:
            _insert(store, rows)
            rows = []
    if rows:
        _insert(store, rows)
    return breached


def _insert(store: CallStore, rows: list[dict[str, object]]) -> None:
    with store.engine.begin() as conn:
        conn.execute(insert(Ticket), rows)


def median_ms(runs: int, work: Callable[[], object]) -> float:
    work()  # warm the caches once
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--url", default="")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="hotline-bench-"))
    url = args.url or f"sqlite:///{folder}/bench.db"
    settings = load_settings(environ={"HOTLINE_STORAGE__DATABASE_URL": url,
                                      "HOTLINE_API__TOKENS": '{ "bench" = "admin" }'})
    calls = CallStore(url)
    calls.migrate()
    started = time.perf_counter()
    expected = fill(calls, args.tickets)
    print(f"{args.tickets} tickets ({expected} breached) written in "
          f"{time.perf_counter() - started:.1f} s to {calls.engine.url.drivername}")
    store = TicketStore(calls)
    _rows, total = store.search(TicketFilter(breached=True), 50, 0, NOW)
    assert total == expected, (total, expected)

    query = median_ms(args.runs, lambda: store.search(TicketFilter(breached=True), 50, 0, NOW))
    base = median_ms(args.runs, lambda: store.search(TicketFilter(), 50, 0, NOW))
    print(f"store, first page of 50 + total: breached=true {query:.1f} ms, "
          f"baseline (no filter) {base:.1f} ms, ratio {query / base:.2f}")

    client = TestClient(create_app(settings, calls, clock=ManualClock(NOW)))
    auth = {"Authorization": "Bearer bench"}

    def route(params: dict[str, str]) -> None:
        r = client.get("/tickets", params=params, headers=auth)
        assert r.status_code == 200, r.text

    api = median_ms(args.runs, lambda: route({"breached": "true"}))
    api_base = median_ms(args.runs, lambda: route({}))
    print(f"GET /tickets (50 per page): breached=true {api:.1f} ms, baseline {api_base:.1f} ms,"
          f" ratio {api / api_base:.2f}")

    def every_page() -> None:
        offset = 0
        while offset < expected:
            store.search(TicketFilter(breached=True), 500, offset, NOW)
            offset += 500

    whole = median_ms(max(1, args.runs // 3), every_page)
    print(f"every breached ticket ({expected}), 500 per page through the store: {whole:.0f} ms")
    client.close()
    calls.engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
