"""`?agent=` matches any of a call's agents (issue 8; migration 0012_call_agents), on SQLite and
PostgreSQL: a call 1001 passed to 1002 is found under either, paged and counted like every
other filter, kept right when a record is replaced, imported in bulk or purged, and calls
stored before the migration are found by every agent they list."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, select, text

from callrecords.models import CallAgent
from callrecords.record import CallRecord
from callrecords.store import MIGRATIONS, CallFilter, CallStore, total_is_exact
from domain.retention import RetentionKind
from domain.status import Disposition, Route
from tests.retention.test_retention_purge import NOW, build
from tests.store.test_call_hold_transfer_store import url  # noqa: F401 (fixture: both back ends)

BASE = datetime(2026, 11, 23, 2, 0, tzinfo=UTC).timestamp()


def _call(linkedid: str, minute: int, agents: list[str],
          disposition: Disposition = Disposition.ANSWERED) -> CallRecord:
    return CallRecord(linkedid, BASE + minute * 60, caller=f"139{minute:08d}",
                      agent=agents[0] if agents else None, agents=list(agents),
                      route=Route.AGENT, disposition=disposition)


def _linkedids(store: CallStore, f: CallFilter, limit: int = 100, offset: int = 0) -> list[str]:
    rows, _total = store.search(f, limit, offset)
    return [c.linkedid for c in rows]


def test_agent_matches_every_agent_of_a_call(store: CallStore) -> None:
    store.save(_call("a", 0, ["1001"]))
    store.save(_call("b", 1, ["1001", "1002"]))  # 1001 passed the caller to 1002
    store.save(_call("c", 2, ["1003", "1002", "1003"]))  # 1003 -> 1002 -> back to 1003
    store.save(_call("d", 3, [], Disposition.ABANDONED))
    assert _linkedids(store, CallFilter(agent="1001")) == ["b", "a"]
    assert _linkedids(store, CallFilter(agent="1002")) == ["c", "b"]
    assert _linkedids(store, CallFilter(agent="1003")) == ["c"]  # once, though listed twice
    assert _linkedids(store, CallFilter(agent="1004")) == []
    assert store.search(CallFilter(agent="1002"), 100, 0)[1] == 2
    # With the other filters: each condition still holds.
    assert _linkedids(store, CallFilter(agent="1002", caller=f"139{1:08d}")) == ["b"]
    assert _linkedids(store, CallFilter(agent="1002", disposition="abandoned")) == []
    since = datetime.fromtimestamp(BASE + 90, UTC)
    assert _linkedids(store, CallFilter(agent="1002", since=since)) == ["c"]
    assert _linkedids(store, CallFilter(agent="1002", until=since)) == ["b"]
    # The record keeps its order and its first agent.
    call = store.get_by_linkedid("c")
    assert call is not None and call.agent == "1003" and call.agents == ["1003", "1002", "1003"]


def test_pages_and_bounded_counts_by_agent_are_the_exact_ones(store: CallStore) -> None:
    for i in range(9):
        # Two calls share each start time: the order falls back to the id.
        agents = ["1001", "1002"] if i % 3 == 0 else ["1002"] if i % 3 == 1 else ["1001"]
        store.save(_call(f"p{i}", i // 2, agents,
                         Disposition.ANSWERED if i % 2 else Disposition.MISSED))
    for f in (CallFilter(agent="1002"), CallFilter(agent="1001", disposition="answered")):
        everything, exact_total = store.search(f, 100, 0)
        ids = [c.id for c in everything]
        assert ids == sorted(ids, key=lambda i: (store.get(i).started_at, i),  # type: ignore
                             reverse=True)
        for limit in (1, 2, 4):
            for offset in range(0, len(ids) + 2):
                for count_limit in (0, 1, 3, 50):
                    rows, total = store.search(f, limit, offset, count_limit)
                    assert [c.id for c in rows] == ids[offset:offset + limit]
                    if total_is_exact(total, offset, len(rows), count_limit):
                        assert total == exact_total
                    else:
                        assert offset + limit < total <= exact_total


def test_a_replaced_record_replaces_its_agents(store: CallStore) -> None:
    # The bridge adopted the call mid-way (it saw 1002 only); CEL's account then replaces it.
    store.save(_call("r", 0, ["1002"]))
    store.save(_call("r", 0, ["1001", "1002"]))
    assert _linkedids(store, CallFilter(agent="1001")) == ["r"]
    store.save(_call("r", 0, ["1001"]))
    assert _linkedids(store, CallFilter(agent="1002")) == []
    with store.sessions() as session:
        assert session.scalars(select(CallAgent.agent)).all() == ["1001"]


def test_bulk_import_writes_the_agents(store: CallStore) -> None:
    at = datetime.fromtimestamp(BASE, UTC)
    common = {"caller": "139", "caller_name": "", "called": "400", "started_at": at,
              "route": "agent", "disposition": "answered", "talk_seconds": 1.0,
              "hangup_cause": "", "hangup_by": "", "ring_attempts": [], "partial": False}
    store.insert_many([{**common, "linkedid": "i1", "agent": "1001",
                        "agents": ["1001", "1002"]},
                       {**common, "linkedid": "i2", "agent": "1003",
                        "agents": None}],  # exported before `agents` existed
                      [[], []])
    assert _linkedids(store, CallFilter(agent="1002")) == ["i1"]
    assert _linkedids(store, CallFilter(agent="1003")) == ["i2"]


def test_the_agent_index_exists(store: CallStore) -> None:
    indexes = {ix["name"]: ix["column_names"]
               for ix in inspect(store.engine).get_indexes("call_agents")}
    assert indexes["ix_call_agents_agent_started_at"] == ["agent", "started_at", "call_id"]


def test_calls_stored_before_the_migration_are_found_by_every_agent(url: str) -> None:  # noqa: F811
    store = CallStore(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    insert = text(
        "INSERT INTO calls (linkedid, caller, caller_name, called, started_at, agent, "
        "disposition, talk_seconds, hangup_cause, hangup_by, ring_attempts, partial, agents) "
        "VALUES (:linkedid, '139', '', '400', :at, :agent, 'answered', 30, '', '', '[]', "
        ":no, :agents)")
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0007_call_hold_transfer")
        for i, (agent, agents) in enumerate([
                ("1001", None),  # stored before 0007: its one agent
                ("1001", '["1001", "1002", "1001"]'),  # a transfer and back
                (None, "[]"),  # nobody answered
                ("1003", "null")]):  # JSON null instead of a list
            conn.execute(insert, {"linkedid": f"old.{i}", "agent": agent, "agents": agents,
                                  "at": datetime(2026, 1, 5, 9, i, tzinfo=UTC), "no": False})
    store.migrate()
    assert _linkedids(store, CallFilter(agent="1001")) == ["old.1", "old.0"]
    assert _linkedids(store, CallFilter(agent="1002")) == ["old.1"]
    assert _linkedids(store, CallFilter(agent="1003")) == ["old.3"]
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT call_id, agent FROM call_agents")).all()
    assert len(rows) == len(set(rows)) == 4  # each (call, agent) once
    store.engine.dispose()


def test_the_retention_purge_removes_a_calls_agents(store: CallStore, tmp_path: Path) -> None:
    world = build(tmp_path, store.engine.url.render_as_string(hide_password=False),
                  call_records=365)
    old = world.store.get(world.calls["old"])
    assert old is not None
    started = old.started_at.replace(tzinfo=UTC)  # SQLite gives it back without its zone
    world.store.save(CallRecord("old", started.timestamp(), agent="1001",
                                agents=["1001", "1002"], disposition=Disposition.ANSWERED))
    assert _linkedids(world.store, CallFilter(agent="1002")) == ["old"]
    done = world.purger().apply(world.purger().plan(NOW))
    assert world.calls["old"] in done.ids[RetentionKind.CALL_RECORDS]
    with world.store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM call_agents")).scalar_one() == 0
    world.store.engine.dispose()
