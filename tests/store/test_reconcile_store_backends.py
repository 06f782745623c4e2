"""calls.source (migration 0009_reconcile, issue 13) on SQLite and PostgreSQL: a reconciled
record says so, a live one too, and a row written before the migration reads as live."""

from __future__ import annotations

from sqlalchemy import text

from callrecords.record import CallRecord
from callrecords.store import CallStore
from domain.status import RecordSource


def test_records_carry_their_source_on_both_backends(store: CallStore) -> None:
    live = store.save(CallRecord("1.1", 1.8e9, caller="13800000001"))
    reconciled = store.save(CallRecord("2.1", 1.8e9, caller="13800000002",
                                       source=RecordSource.RECONCILED))
    assert [store.get(i).source for i in (live, reconciled)] == [  # type: ignore[union-attr]
        "live", "reconciled"]
    # A row inserted without the column (as every row before 0009) is live.
    with store.engine.begin() as conn:
        conn.execute(text("INSERT INTO calls (linkedid, caller, caller_name, called, started_at,"
                          " disposition, talk_seconds, hangup_cause, hangup_by, ring_attempts,"
                          " partial, direction) VALUES ('3.1', '', '', '', '2027-01-15 10:00:00',"
                          " 'missed', 0, '', '', '[]', false, 'inbound')"))
    old = store.get_by_linkedid("3.1")
    assert old is not None and old.source == "live"
    assert store.existing_linkedids(["1.1", "2.1", "3.1", "4.1"]) == {"1.1", "2.1", "3.1"}
