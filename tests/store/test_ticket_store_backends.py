"""The tickets tables (migration 0002_tickets) on SQLite and on a throwaway PostgreSQL:
alembic from empty, create, events, the breached query and the breach outbox."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from callrecords.record import CallRecord
from callrecords.store import CallStore
from domain.clock import ManualClock
from domain.status import Direction, Route
from settings import load_settings
from tickets.desk import desk_from_settings
from tickets.store import TicketFilter

SH = ZoneInfo("Asia/Shanghai")


def test_tickets_on_both_backends(store: CallStore) -> None:
    clock = ManualClock(datetime(2026, 11, 23, 10, 0, tzinfo=SH))
    desk = desk_from_settings(load_settings(environ={}), store, clock)
    t = desk.create({"category": "complaint", "complaint_kind": "responsible",
                     "matter": "停水", "customer": {"number": "13800000001", "name": "王"},
                     "channel": "phone"}, "admin/abc", None)
    desk.apply(t.id, {"type": "assign", "assignee": "物业部"}, "admin/abc")
    other = desk.create({"category": "suggestion"}, "agent:1001/def", "1001")
    desk.apply(other.id, {"type": "start"}, "agent:1001/def")
    desk.apply(other.id, {"type": "reply"}, "agent:1001/def")
    rows, total = desk.store.search(TicketFilter(breached=True), 10, 0, clock())
    assert total == 0 and not rows
    clock.advance(minutes=11)
    rows, total = desk.store.search(TicketFilter(breached=True), 10, 0, clock())
    assert [r.id for r in rows] == [t.id]
    assert desk.store.due_by(clock()) == [t.id]
    desk.refresh(t.id)
    desk.refresh(t.id)  # once per breach
    notices = desk.store.notices(t.id)
    assert sorted(n.clock for n in notices) == ["react", "start"]
    rows, total = desk.store.search(TicketFilter(agent="1001"), 10, 0, clock())
    assert [r.id for r in rows] == [other.id]
    got = desk.store.get(t.id)
    assert got is not None and got.customer_name == "王" and got.assignee == "物业部"
    assert [e["type"] for e in got.events] == ["created", "assign"]


def test_calls_have_a_direction_on_both_backends(store: CallStore) -> None:
    inbound = store.save(CallRecord("1.1", 1.8e9, caller="13800000001"))
    outbound = store.save(CallRecord("2.1", 1.8e9, caller="1001", route=Route.CALLBACK,
                                     direction=Direction.OUTBOUND))
    assert [store.get(i).direction for i in (inbound, outbound)] == [  # type: ignore[union-attr]
        "inbound", "outbound"]
    assert store.get(outbound).route == "callback"  # type: ignore[union-attr]
