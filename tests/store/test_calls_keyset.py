"""GET /calls's keyset paging (issue 9) on both back ends: walking a history page by page with
the cursor's seek yields exactly the rows of the offset walk, in order, none twice, whatever
the filter, page size and count bound, also when many calls share a start time (the id breaks
the tie), and the page's position and bounded total are the offset walk's."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from callrecords.keyset import decode, encode
from callrecords.models import Call, CallAgent
from callrecords.store import CallFilter, CallStore, SearchPage, Seek

BASE = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
# Few distinct start times (some with microseconds) for many calls: ties are the rule.
STARTS = [BASE + timedelta(minutes=m, microseconds=u) for m in (0, 1, 7) for u in (0, 250001)]

call_rows = st.lists(st.fixed_dictionaries({
    "started_at": st.sampled_from(STARTS),
    "disposition": st.sampled_from(["answered", "missed", "voicemail"]),
    "agent": st.sampled_from([None, "1001", "1002"]),
    "caller": st.sampled_from(["1390", "1391"]),
    "qa_flags": st.sampled_from([None, {"dead_air": []}, {"dead_air": [[1.0, 9.0]]}]),
}), max_size=14)

filters = st.sampled_from([
    CallFilter(), CallFilter(disposition="answered"), CallFilter(agent="1001"),
    CallFilter(caller="1391", disposition="missed"), CallFilter(dead_air=True),
    CallFilter(dead_air=False), CallFilter(since=STARTS[2]), CallFilter(until=STARTS[4]),
    CallFilter(since=STARTS[1], until=STARTS[5], agent="1002")])


def _seed(store: CallStore, rows: Sequence[dict[str, Any]]) -> None:
    with store.engine.begin() as conn:
        conn.execute(delete(CallAgent))  # the agent filter reads call_agents
        conn.execute(delete(Call))
    if rows:
        store.insert_many([{**r, "linkedid": f"k{i}"} for i, r in enumerate(rows)],
                          [[] for _ in rows])


def _offset_walk(store: CallStore, f: CallFilter, limit: int) -> list[int]:
    ids: list[int] = []
    while True:
        rows, total = store.search(f, limit, len(ids))
        ids += [c.id for c in rows]
        if len(ids) >= total or not rows:
            return ids


def _cursor_walk(store: CallStore, f: CallFilter, limit: int, count_limit: int | None,
                 everything: int) -> list[int]:
    ids: list[int] = []
    after: Seek | None = None
    for _ in range(everything + 2):
        page: SearchPage = store.page(f, limit, 0, count_limit, after)
        offset = after.position if after else 0
        assert offset == len(ids)  # the position is the offset this page would have had
        ids += [c.id for c in page.rows]
        if page.total_exact:
            assert page.total == everything
        else:
            assert len(ids) < page.total <= everything
        if page.next is None:
            return ids
        assert page.rows and page.next.id == page.rows[-1].id
        # Through the text a client holds, as the API hands it over.
        after = decode("calls", encode("calls", page.next, f), f)
    raise AssertionError("the cursor walk does not end")


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=call_rows, f=filters, limit=st.integers(1, 4),
       count_limit=st.sampled_from([None, 0, 1, 3, 100]))
def test_the_cursor_walk_is_the_offset_walk(store: CallStore, rows: list[dict[str, Any]],
                                            f: CallFilter, limit: int,
                                            count_limit: int | None) -> None:
    _seed(store, rows)
    expected = _offset_walk(store, f, limit)
    got = _cursor_walk(store, f, limit, count_limit, len(expected))
    assert got == expected
    assert len(set(got)) == len(got)


def test_the_order_breaks_ties_by_id_and_a_cursor_starts_inside_a_tie(store: CallStore) -> None:
    _seed(store, [{"started_at": STARTS[0], "disposition": "answered", "agent": None,
                   "caller": "1390", "qa_flags": None} for _ in range(5)])
    ids = _offset_walk(store, CallFilter(), 50)
    assert ids == sorted(ids, reverse=True)
    first = store.page(CallFilter(), 2, 0, None)
    assert first.next is not None and first.next.position == 2
    second = store.page(CallFilter(), 2, 0, None, first.next)
    assert [c.id for c in second.rows] == ids[2:4]
    assert (second.total, second.total_exact) == (5, True)


def test_a_cursor_past_the_last_row_is_an_empty_last_page(store: CallStore) -> None:
    _seed(store, [{"started_at": s, "disposition": "answered", "agent": None,
                   "caller": "1390", "qa_flags": None} for s in STARTS[:3]])
    oldest = store.page(CallFilter(), 3, 0, 10).rows[-1]
    page = store.page(CallFilter(), 3, 0, 10, Seek(oldest.started_at, oldest.id, 3))
    assert (list(page.rows), page.total, page.total_exact, page.next) == ([], 3, True, None)
