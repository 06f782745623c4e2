"""Migration 0003_qa and the plan's Core reads on SQLite and on a throwaway PostgreSQL: the
month's calls are read raw (SQLite text, PostgreSQL datetimes) and must give the same plan."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import inspect

from callrecords.record import CallRecord
from callrecords.store import CallStore
from domain.status import Disposition, Route
from qa.planning import build, plan_view
from qa.sampling import SamplingRules
from qa.store import QaStore

ZONE = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def calls(store: CallStore) -> CallStore:
    """The migrated store on each back end (conftest.py), by this module's name for it."""
    return store


def _answered(linkedid: str, agent: str, at: datetime, talk: float) -> CallRecord:
    t = at.timestamp()
    return CallRecord(linkedid, t - 10, agent=agent, route=Route.AGENT,
                      disposition=Disposition.ANSWERED, queued_at=t - 5,
                      agent_answered_at=t, ended_at=t + talk, talk_seconds=talk)


def test_migration_and_plan(calls: CallStore) -> None:
    tables = set(inspect(calls.engine).get_table_names())
    assert {"qa_plans", "qa_plan_items", "qa_forms", "qa_reviews",
            "qa_weekly_reports"} <= tables
    # 00:30 on 1 October in Shanghai is still September in UTC: it belongs to October.
    start = datetime(2026, 10, 1, 0, 30, tzinfo=ZONE)
    for n in range(40):
        calls.save(_answered(f"sep-{n}", "1001", start - timedelta(days=2, minutes=n), 60))
    for n in range(10):
        call_id = calls.save(_answered(f"oct-{n}", "1001", start + timedelta(hours=n), 10))
        calls.update(call_id, recording_path=f"2026/10/01/oct-{n}.wav")
    store = QaStore(calls)
    build(store, "2026-10", SamplingRules(), ZONE, datetime(2026, 11, 1, tzinfo=ZONE))
    view = plan_view(store, "2026-10")
    assert view is not None
    assert [(a["agent"], a["handled_previous_month"], a["quota"]) for a in view["agents"]] == [
        ("1001", 40, 1)]
    reasons = sorted(r for i in view["items"] for r in i["reasons"])
    assert reasons == ["r18_sample", "r19_short"]
    linkedids = {calls.get(i["call_id"]).linkedid for i in view["items"]}  # type: ignore[union-attr]
    assert all(x.startswith("oct-") for x in linkedids)
