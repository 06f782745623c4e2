"""GET /calls's paging at scale (issue 9): the page is read through the (column, started_at, id)
indexes of migration 0011, and the count is bounded by count_limit. Checked on both back ends
against the exact answer, for every offset, page size and bound over a small history."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import inspect

from callrecords.record import CallRecord
from callrecords.store import CallFilter, CallStore, total_is_exact
from domain.status import Disposition, Route


def _history(store: CallStore) -> None:
    base = datetime(2026, 11, 23, 2, 0, tzinfo=UTC).timestamp()
    for i in range(9):
        # Two calls share each start time: the order must fall back to the id.
        store.save(CallRecord(f"{base}.{i}", base + (i // 2) * 60, caller=f"139{i % 2}",
                              agent="1001" if i % 3 else None, route=Route.AGENT,
                              disposition=Disposition.ANSWERED if i % 3
                              else Disposition.ABANDONED))


def test_bounded_count_pages_like_the_exact_one(store: CallStore) -> None:
    _history(store)
    for f in (CallFilter(), CallFilter(disposition="answered"), CallFilter(caller="1391"),
              CallFilter(agent="1001"), CallFilter(caller="nobody")):
        everything, exact_total = store.search(f, 100, 0)
        ids = [c.id for c in everything]
        for limit in (1, 2, 3, 5):
            for offset in range(0, len(ids) + 3):
                for count_limit in (0, 1, 2, 4, 50):
                    rows, total = store.search(f, limit, offset, count_limit)
                    assert [c.id for c in rows] == ids[offset:offset + limit]
                    if total_is_exact(total, offset, len(rows), count_limit):
                        assert total == exact_total, (f, limit, offset, count_limit)
                    else:
                        # A lower bound that still tells a pager there is more.
                        assert offset + limit < total <= exact_total
                        assert total == offset + limit + count_limit + 1


def test_the_search_indexes_exist(store: CallStore) -> None:
    indexes = {ix["name"]: ix["column_names"] for ix in inspect(store.engine).get_indexes("calls")}
    assert indexes["ix_calls_disposition_started_at"] == ["disposition", "started_at", "id"]
    assert indexes["ix_calls_agent_started_at"] == ["agent", "started_at", "id"]
    assert indexes["ix_calls_caller_started_at"] == ["caller", "started_at", "id"]
    assert indexes["ix_calls_started_at_id"] == ["started_at", "id"]
