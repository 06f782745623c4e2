"""The call-record store on both back ends it supports: SQLite (the default) and PostgreSQL (by
URL), each migrated by alembic from empty (fixtures in conftest.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from callrecords.record import CallRecord, Leg
from callrecords.store import CallFilter, CallStore
from domain.status import Disposition, Route


def record(linkedid: str, start: float, caller: str, agent: str | None, disposition: str
           ) -> CallRecord:
    return CallRecord(linkedid, start, caller=caller, caller_name="王", called="4008001234",
                      answered_at=start + 0.01, ended_at=start + 60, agent=agent,
                      route=Route.AGENT, disposition=Disposition(disposition),
                      wait_seconds=3.5, talk_seconds=40.25,
                      ring_attempts=[{"agent": agent, "answered": True}],
                      legs=[Leg(linkedid, "PJSIP/trunk-1", start, caller, start + 0.01,
                                start + 60, 16, "Normal Clearing")])


def test_save_search_and_update(store: CallStore) -> None:
    base = datetime(2026, 11, 23, 2, 0, tzinfo=UTC).timestamp()
    ids = [store.save(record(f"{base + i}.{i}", base + i * 3600, f"1390000000{i % 2}",
                             "1001" if i % 3 else None, "answered" if i % 3 else "abandoned"))
           for i in range(6)]
    assert len(set(ids)) == 6
    # Saving the same linkedid again replaces, not duplicates.
    assert store.save(record(f"{base}.0", base, "13900000000", None, "abandoned")) == ids[0]

    rows, total = store.search(CallFilter(caller="13900000001"), limit=10, offset=0)
    assert total == 3 and [r.caller for r in rows] == ["13900000001"] * 3
    assert rows[0].started_at > rows[-1].started_at  # newest first
    rows, total = store.search(CallFilter(agent="1001", disposition=Disposition.ANSWERED), 2, 0)
    assert total == 4 and len(rows) == 2
    since = datetime.fromtimestamp(base + 2 * 3600, UTC)
    until = datetime.fromtimestamp(base + 4 * 3600, UTC)
    _, total = store.search(CallFilter(since=since, until=until), 10, 0)
    assert total == 2  # since inclusive, until exclusive

    store.update(ids[1], recording_path="2026/11/23/x.wav", recording_sha256="ab" * 32,
                 qa_flags={"dead_air": [{"start": 1.0, "end": 7.0}]})
    call = store.get(ids[1])
    assert call is not None and call.recording_path == "2026/11/23/x.wav"
    assert call.qa_flags == {"dead_air": [{"start": 1.0, "end": 7.0}]}
    assert call.talk_seconds == 40.25 and call.legs[0].cause_text == "Normal Clearing"
    started = call.started_at.replace(tzinfo=call.started_at.tzinfo or UTC)
    assert started.timestamp() == base + 3600
