"""hold_seconds and agents (issue 8, migration 0007_call_hold_transfer) on SQLite and
PostgreSQL: stored and read back, and calls stored before the migration keep their agent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text

from callrecords.record import CallRecord
from callrecords.store import MIGRATIONS, CallStore
from calls.schemas import CallOut
from domain.status import Disposition, Route


def transferred(linkedid: str) -> CallRecord:
    start = datetime(2026, 11, 23, 2, 0, tzinfo=UTC).timestamp()
    return CallRecord(linkedid, start, caller="13900000000", answered_at=start,
                      ended_at=start + 90, route=Route.AGENT, agent="1001",
                      disposition=Disposition.ANSWERED, talk_seconds=80.0,
                      hold_seconds=12.5, agents=["1001", "1002", "1001"])


def test_hold_seconds_and_agents_round_trip(store: CallStore) -> None:
    call_id = store.save(transferred("1800.1"))
    call = store.get(call_id)
    assert call is not None
    assert call.hold_seconds == 12.5 and call.agents == ["1001", "1002", "1001"]
    out = CallOut.of(call, UTC)
    assert out.hold_seconds == 12.5 and out.agents == ["1001", "1002", "1001"]
    assert out.agent == out.agents[0]


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/old.db"
        return
    pg = request.getfixturevalue("postgres_url")
    yield pg
    s = CallStore(pg)
    with s.engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    s.engine.dispose()


def test_calls_stored_before_the_migration_keep_their_one_agent(url: str) -> None:
    store = CallStore(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(text(
            "INSERT INTO calls (linkedid, caller, caller_name, called, started_at, agent, "
            "disposition, talk_seconds, hangup_cause, hangup_by, ring_attempts, partial) "
            "VALUES ('1.1', '139', '', '400', :at, '1001', 'answered', 30, '', '', '[]', "
            ":no)"), {"at": datetime(2026, 1, 5, tzinfo=UTC), "no": False})
    store.migrate()
    call = store.get_by_linkedid("1.1")
    assert call is not None and call.hold_seconds == 0.0 and call.agents is None
    out = CallOut.of(call, UTC)
    assert out.hold_seconds == 0.0 and out.agents == ["1001"]
    store.engine.dispose()
