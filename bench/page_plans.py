"""The database's plan for GET /calls's deep pages (issue 9): the statements CallStore.page
really sends (captured as they execute, not written again here), then explained: SQLite's
EXPLAIN QUERY PLAN, PostgreSQL's EXPLAIN (ANALYZE, BUFFERS). Shows whether a page is a seek on
the (…, started_at, id) indexes or steps over the rows before it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from callrecords.store import CallFilter, CallStore, Seek


def page_plans(store: CallStore, f: CallFilter, offset: int, after: Seek | None
               ) -> list[dict[str, Any]]:
    sent: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                executemany: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", capture)
    try:
        store.page(f, 50, offset, 10000, after)
    finally:
        event.remove(store.engine, "before_cursor_execute", capture)
    sqlite = store.engine.dialect.name == "sqlite"
    explain = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (ANALYZE, BUFFERS) "
    plans = []
    with store.engine.connect() as conn:
        for statement, parameters in sent:
            rows = conn.exec_driver_sql(explain + statement, parameters).all()
            plan = [str(r[-1]) for r in rows]  # SQLite: (id, parent, notused, detail)
            plans.append({"statement": " ".join(statement.split()), "plan": plan})
    return plans
