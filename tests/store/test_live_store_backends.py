"""The live-session store (migration 0008_live_sessions) on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from callrecords.live_sessions import LiveSessionStore
from callrecords.record import CallRecord
from callrecords.store import CallStore
from domain.status import Disposition

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def test_sessions_start_answer_end_and_count_for_their_calls(store: CallStore) -> None:
    t = T0.timestamp()
    call_id = store.save(CallRecord("1700.1", t, agent="1001", agent_answered_at=t + 5,
                                    ended_at=t + 90, disposition=Disposition.ANSWERED))
    live = LiveSessionStore(store.sessions)
    s = live.create(agent="1001", listener="9001", mode="whisper", call_id="1700.1",
                    via="api", by="supervisor/abcd1234", started_at=T0 + timedelta(seconds=10),
                    spy_uniqueid="hotline-live-1")
    assert live.open_by_spy("hotline-live-1") == s and s.duration_seconds is None
    assert live.inspected_calls(T0, T0 + timedelta(days=1)) == []  # not answered yet
    live.answered(s.id, T0 + timedelta(seconds=12), "PJSIP/9001-00000001")
    ended = live.end(s.id, T0 + timedelta(seconds=42.5), "hangup")
    assert ended is not None and ended.duration_seconds == 30.5
    assert ended.started_at == T0 + timedelta(seconds=10)  # aware, UTC, on both back ends
    again = live.end(s.id, T0 + timedelta(seconds=99), "stopped")  # the first end is kept
    assert again is not None and again.end_reason == "hangup" and again.ended_at == ended.ended_at
    assert live.open_by_spy("hotline-live-1") is None and live.open_sessions() == []
    assert live.inspected_calls(T0, T0 + timedelta(days=1)) == [(call_id, "1001")]
    assert live.inspected_calls(T0 + timedelta(days=1), T0 + timedelta(days=2)) == []
    assert [x.id for x in live.for_calls(["1700.1", "9.9"])["1700.1"]] == [s.id]
    rows, total = live.search("1001", T0, None, 10, 0)
    assert total == 1 and rows[0].mode == "whisper"
