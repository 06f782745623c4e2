"""GET /audit's keyset paging (issue 9) on both back ends: walking the access log by cursor
yields exactly the entries of the offset walk, in order, none twice, whatever the filter and page
size, also when many entries share a time (the id breaks the tie)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from audit.models import AuditEntry
from audit.store import Access, AuditFilter, AuditLog
from callrecords.keyset import Seek, decode, encode
from callrecords.store import CallStore

BASE = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
TIMES = [BASE + timedelta(minutes=m, microseconds=u) for m in (0, 3) for u in (0, 999999)]

entries = st.lists(st.tuples(st.sampled_from(TIMES),
                             st.sampled_from(["recording.fetch", "voicemail.fetch"]),
                             st.sampled_from(["call:1", "call:2"])), max_size=12)
filters = st.sampled_from([AuditFilter(), AuditFilter(action="recording.fetch"),
                           AuditFilter(target="call:2"), AuditFilter(since=TIMES[1]),
                           AuditFilter(until=TIMES[3], action="voicemail.fetch")])


def _offset_walk(log: AuditLog, f: AuditFilter, limit: int) -> list[int]:
    ids: list[int] = []
    while True:
        rows, total = log.search(f, limit, len(ids))
        ids += [e.id for e in rows]
        if len(ids) >= total:
            return ids


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(written=entries, f=filters, limit=st.integers(1, 3))
def test_the_cursor_walk_is_the_offset_walk(store: CallStore,
                                            written: list[tuple[datetime, str, str]],
                                            f: AuditFilter, limit: int) -> None:
    with store.engine.begin() as conn:
        conn.execute(delete(AuditEntry))
    log = AuditLog(store.sessions)
    for at, action, target in written:
        assert log.record(Access(action, target, 200), at)
    expected = _offset_walk(log, f, limit)
    got: list[int] = []
    after: Seek | None = None
    for _ in range(len(expected) + 2):
        page = log.page(f, limit, 0, after)
        assert (after.position if after else 0) == len(got)
        assert page.total == len(expected)
        got += [e.id for e in page.rows]
        if page.next is None:
            break
        after = decode("audit", encode("audit", page.next, f), f)
    assert got == expected and len(set(got)) == len(got)
