"""The call-record store (SQLAlchemy; SQLite by default, PostgreSQL by URL)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    Integer,
    Select,
    bindparam,
    create_engine,
    delete,
    func,
    insert,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from callrecords.keyset import Seek as Seek
from callrecords.models import Call, CallAgent, CallLeg
from callrecords.record import CallRecord

MIGRATIONS = Path(__file__).parent / "migrations"


# What update() may set: every column but the key.
_COLUMNS = frozenset(c.name for c in Call.__table__.columns) - {"id"}


class StoreError(RuntimeError):
    """The database could not be reached or refused the operation."""


def _utc(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)


@dataclass(frozen=True)
class CallFilter:
    since: datetime | None = None
    until: datetime | None = None
    caller: str | None = None
    agent: str | None = None  # any of the call's agents (issue 8), not only the first
    disposition: str | None = None
    dead_air: bool | None = None  # QA flags found dead air (True) / analysed, none (False)
    overtalk: bool | None = None


class FlagCount(ColumnElement[int]):
    """How many spans a QA flag of `calls.qa_flags` lists (`dead_air`, `overtalk`); NULL when
    the call was not analysed or the flag is not a list (overtalk of a mono file). JSON
    functions are named differently on SQLite and PostgreSQL: compiled per dialect below."""

    inherit_cache = True
    type = Integer()

    def __init__(self, flag: str) -> None:
        if not flag.isidentifier():
            raise ValueError(f"not a flag name: {flag!r}")
        self.flag = flag


@compiles(FlagCount, "sqlite")
def _flag_count_sqlite(element: FlagCount, compiler: Any, **kw: Any) -> str:
    path = f"'$.{element.flag}'"
    return (f"CASE WHEN json_type(calls.qa_flags, {path}) = 'array' "
            f"THEN json_array_length(calls.qa_flags, {path}) END")


@compiles(FlagCount, "postgresql")
def _flag_count_postgresql(element: FlagCount, compiler: Any, **kw: Any) -> str:
    value = f"(calls.qa_flags -> '{element.flag}')"
    return f"CASE WHEN json_typeof({value}) = 'array' THEN json_array_length({value}) END"


def _conditions(f: CallFilter) -> list[ColumnElement[bool]]:
    """The conditions on the calls table's own columns (the times and the agent aside: see
    _matching)."""
    where: list[ColumnElement[bool]] = []
    if f.caller:
        where.append(Call.caller == f.caller)
    if f.disposition:
        where.append(Call.disposition == f.disposition)
    for flag, wanted in (("dead_air", f.dead_air), ("overtalk", f.overtalk)):
        if wanted is not None:
            # A JSON array's length, in SQL on SQLite and PostgreSQL alike; NULL (not
            # analysed, or overtalk of a mono file) matches neither true nor false.
            count = FlagCount(flag)
            where.append(count > 0 if wanted else count == 0)
    return where


def _order(f: CallFilter) -> tuple[Any, Any]:
    """The columns a page is read in (newest first). With `agent`, call_agents' own copy of
    the call's started_at and its call_id: the index (agent, started_at, call_id) then holds
    the matches in the page's order, the same order as the calls' (started_at, id)."""
    return (CallAgent.started_at, CallAgent.call_id) if f.agent else (Call.started_at, Call.id)


def _matching(f: CallFilter, *columns: Any) -> Select[Any]:
    """SELECT columns of the calls f matches. With `agent` and times alone, call_agents
    answers by itself (its index); with conditions on the calls too, joined to them."""
    started_at = _order(f)[0]
    where: list[ColumnElement[bool]] = []
    if f.since is not None:
        where.append(started_at >= f.since.astimezone(UTC))
    if f.until is not None:
        where.append(started_at < f.until.astimezone(UTC))
    on_calls = _conditions(f)
    if not f.agent:
        return select(*columns).select_from(Call).where(*where, *on_calls)
    query = select(*columns).select_from(CallAgent).where(CallAgent.agent == f.agent)
    if on_calls:
        query = query.join(Call, Call.id == CallAgent.call_id)
    return query.where(*where, *on_calls)


def _agent_rows(call_id: int, started_at: Any, agent: str | None,
                agents: Sequence[str] | None) -> list[dict[str, Any]]:
    """A call's call_agents rows: its first agent and everyone in `agents`, each once."""
    names = dict.fromkeys(a for a in [agent, *(agents or [])] if a)
    return [{"call_id": call_id, "agent": a, "started_at": started_at} for a in names]


def total_is_exact(total: int, offset: int, rows: int, count_limit: int | None) -> bool:
    """Whether search()'s total is the number of matches, or a lower bound: the count past
    the page stopped at count_limit + 1 (were that exact, a bound it still is)."""
    return count_limit is None or total != offset + rows + count_limit + 1


@dataclass(frozen=True)
class SearchPage:
    rows: Sequence[Call]
    total: int  # the number of matches, or a lower bound of it when not total_exact
    total_exact: bool
    next: Seek | None = None  # where the next page starts; None: this page is the last


class CallStore:
    def __init__(self, database_url: str) -> None:
        url = make_url(database_url)
        if url.drivername.startswith("sqlite") and url.database not in (None, "", ":memory:"):
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        # A pre-ping reconnects after a PostgreSQL restart; a SQLite file has no connection to
        # lose, and the ping was a statement more per transaction (issue 9).
        self.engine: Engine = create_engine(
            url, pool_pre_ping=not url.drivername.startswith("sqlite"))
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def migrate(self) -> None:
        """Brings the schema to every head: each feature's first migration branches from
        0001 (tickets, QA, agents land independently), so there may be several heads."""
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "heads")

    def ping(self) -> bool:
        """True when a record could be written now: a read is not enough (a database that
        went read-only, or a full disk, still answers SELECT). The probe's write is a no-op
        update of alembic's own row, rolled back."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("UPDATE alembic_version SET version_num = version_num"))
                conn.rollback()
            return True
        except SQLAlchemyError:
            return False

    def save(self, record: CallRecord) -> int:
        """Inserts the call, or replaces it if this linkedid was stored before."""
        return self.save_many([record])[0]

    def save_many(self, records: Sequence[CallRecord]) -> list[int]:
        """save() of each record, in one transaction (all or none); the ids in order. In SQL,
        not through the ORM's unit of work: building, flushing and committing a session per
        call was the bridge's largest CPU cost under load (issue 9's profile), and calls that
        end together are written together. A record's recording columns are left as they
        are (a record written again from the spool keeps its recording)."""
        if not records:
            return []
        try:
            with self.sessions.begin() as session:
                conn = session.connection()  # SQL statements, no unit of work
                known: dict[str, int] = {}
                wanted = list({r.linkedid for r in records})
                for i in range(0, len(wanted), 500):  # under every driver's parameter cap
                    known.update((row.linkedid, row.id) for row in conn.execute(
                        select(Call.linkedid, Call.id).where(
                            Call.linkedid.in_(wanted[i:i + 500]))))
                # Calls not stored yet: one multi-row INSERT (the first save of a linkedid the
                # batch holds twice inserts it, the later one replaces it below).
                fresh = list({r.linkedid: r for r in reversed(records)
                              if r.linkedid not in known}.values())[::-1]
                if fresh:
                    known.update(zip((r.linkedid for r in fresh), conn.scalars(
                        insert(Call).returning(Call.id, sort_by_parameter_order=True),
                        [{"linkedid": r.linkedid, **_columns(r)} for r in fresh]),
                        strict=True))
                inserted = {id(r) for r in fresh}
                ids: list[int] = []
                legs: dict[int, list[dict[str, Any]]] = {}
                agents: dict[int, list[dict[str, Any]]] = {}
                for record in records:
                    call_id = known[record.linkedid]
                    if id(record) not in inserted:  # stored before: replaced
                        conn.execute(update(Call).where(Call.id == call_id)
                                     .values(**_columns(record)))
                        conn.execute(delete(CallLeg).where(CallLeg.call_id == call_id))
                    legs[call_id] = _leg_rows(call_id, record)  # the last save of it wins
                    agents[call_id] = _agent_rows(call_id, _utc(record.started_at),
                                                  record.agent, record.agents)
                    ids.append(call_id)
                rows = [row for call_legs in legs.values() for row in call_legs]
                if rows:
                    conn.execute(insert(CallLeg), rows)
                # Who a call's agents are may have changed (a reconciled record replacing the
                # live one): its call_agents rows (the ?agent= filter) are written afresh.
                conn.execute(delete(CallAgent).where(CallAgent.call_id.in_(list(agents))))
                agent_rows = [row for call_agents in agents.values() for row in call_agents]
                if agent_rows:
                    conn.execute(insert(CallAgent), agent_rows)
                return ids
        except SQLAlchemyError as e:
            names = ", ".join(r.linkedid for r in records[:3]) + (" ..." if len(records) > 3
                                                                   else "")
            raise StoreError(f"could not save call {names}: {e}") from e

    def update(self, call_id: int, **values: Any) -> None:
        """Sets columns of one call. A name that is not a column is a programming error and
        raises ValueError before anything is written (it used to be silently ignored)."""
        unknown = sorted(set(values) - _COLUMNS)
        if unknown:
            raise ValueError(f"calls has no column {', '.join(unknown)}")
        try:
            # One UPDATE statement: loading the call and its legs into the session first cost
            # the bridge more CPU than the write itself, once per call (issue 9's profile).
            with self.engine.begin() as conn:
                updated = conn.execute(update(Call).where(Call.id == call_id).values(**values))
        except SQLAlchemyError as e:
            raise StoreError(f"could not update call {call_id}: {e}") from e
        if updated.rowcount == 0:
            raise StoreError(f"call {call_id} does not exist")

    def set_recording(self, call_id: int, *, path: str | None, duration: float | None,
                      channels: int | None, sha256: str | None,
                      qa_flags: dict[str, Any] | None, error: str | None) -> None:
        """The call's recording as finalised (R11), or why it could not be."""
        self.update(call_id, **recording_values(path=path, duration=duration,
                                                channels=channels, sha256=sha256,
                                                qa_flags=qa_flags, error=error))

    def update_many(self, changes: Sequence[tuple[int, Mapping[str, Any]]]) -> None:
        """update() of several calls in one transaction (all or none): the recordings of
        calls that ended together are attached together (issue 9)."""
        for _call_id, values in changes:
            unknown = sorted(set(values) - _COLUMNS)
            if unknown:
                raise ValueError(f"calls has no column {', '.join(unknown)}")
        missing = False
        try:
            with self.engine.begin() as conn:
                # Changes setting the same columns go as one executemany.
                groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
                for call_id, values in changes:
                    groups.setdefault(tuple(sorted(values)), []).append(
                        {"call_id_": call_id, **values})
                for columns, rows in groups.items():
                    updated = conn.execute(
                        update(Call).where(Call.id == bindparam("call_id_"))
                        .values({c: bindparam(c) for c in columns}), rows)
                    missing = missing or updated.rowcount != len(rows)
                if missing:
                    conn.rollback()
        except SQLAlchemyError as e:
            raise StoreError(f"could not update calls {[c for c, _ in changes][:5]}: {e}") from e
        if missing:
            if len(changes) == 1:
                raise StoreError(f"call {changes[0][0]} does not exist")
            raise StoreError(f"some of calls {[c for c, _ in changes][:5]} do not exist")

    def get(self, call_id: int) -> Call | None:
        with self.sessions() as session:
            return session.get(Call, call_id)

    def get_by_linkedid(self, linkedid: str) -> Call | None:
        try:
            with self.sessions() as session:
                return session.scalar(select(Call).where(Call.linkedid == linkedid))
        except SQLAlchemyError as e:
            raise StoreError(f"could not read call {linkedid}: {e}") from e

    def search(self, f: CallFilter, limit: int, offset: int, count_limit: int | None = None
               ) -> tuple[Sequence[Call], int]:
        """A page of calls, newest first, and how many match: exactly, or with count_limit
        a bound count (see page(); total_is_exact tells which)."""
        page = self.page(f, limit, offset, count_limit)
        return page.rows, page.total

    def page(self, f: CallFilter, limit: int, offset: int,
             count_limit: int | None, after: Seek | None = None) -> SearchPage:
        """A page of calls, newest first, and how many match. Counting every match costs a
        scan of all of them (850,000 answered calls of a million: ~0.25-1 s on SQLite), so
        the count is bounded: at most count_limit + 1 matches after the page's last row are
        counted (a seek on the (column, started_at, id) index, whatever the offset); beyond
        that, total is a lower bound. A page that reaches the end needs no count at all.
        count_limit None: always count exactly.

        `after` (a cursor, callrecords/keyset.py) instead of an offset: the page starts after that
        row by a seek on the same indexes, so its cost does not grow with the depth (an
        offset steps over every row before the page); its position stands for the offset."""
        at, ident = _order(f)
        seek: list[ColumnElement[bool]] = []
        position = offset
        if after is not None:
            seek.append(tuple_(at, ident) < tuple_(after.started_at, after.id))
            position, offset = after.position, 0
        order = (Call.started_at.desc(), Call.id.desc())
        with self.sessions() as session:
            # The page's keys first, from the index alone (a deep offset skips index entries,
            # not rows), then only those rows, with their legs.
            keys = session.execute(_matching(f, at, ident).where(*seek)
                                   .order_by(at.desc(), ident.desc())
                                   .limit(limit).offset(offset)).all()
            ids = [k[1] for k in keys]
            rows: Sequence[Call] = session.scalars(
                select(Call).where(Call.id.in_(ids)).order_by(*order)).all() if ids else []
            if (ids and len(ids) < limit) or (not ids and offset == 0):
                return SearchPage(rows, position + len(ids), True)  # the end: nothing to count
            if not ids or (count_limit is None and after is None):
                # Past the end (the client's offset is beyond the matches): the count
                # is what it needs to page back, and it is smaller than the offset.
                total = session.scalar(_matching(f, func.count()))
                more = bool(ids) and offset + len(ids) < (total or 0)
                return SearchPage(rows, total or 0, True,
                                  _next(keys[-1], offset + len(ids)) if more else None)
            last = keys[-1]
            after_page = _matching(f, ident).where(tuple_(at, ident) < tuple_(last[0], last[1]))
            if count_limit is not None:
                after_page = after_page.limit(count_limit + 1)
            counted = session.scalar(
                select(func.count()).select_from(after_page.subquery())) or 0
            served = position + len(ids)
            return SearchPage(rows, served + counted,
                              count_limit is None or counted <= count_limit,
                              _next(last, served) if counted else None)

    # Bulk access for `hotline calls export/import` (calls/transfer.py): batches, not one
    # session per call, so a million records move in minutes.

    def iter_calls(self, f: CallFilter, batch: int = 1000) -> Iterator[Call]:
        """Calls by id, oldest id first, read a batch at a time (keyset on id): memory stays
        flat however many there are."""
        last = 0
        while True:
            query = select(Call).where(Call.id > last)
            if f.since is not None:
                query = query.where(Call.started_at >= f.since.astimezone(UTC))
            if f.until is not None:
                query = query.where(Call.started_at < f.until.astimezone(UTC))
            with self.sessions() as session:
                rows = session.scalars(query.order_by(Call.id).limit(batch)).all()
            if not rows:
                return
            yield from rows
            last = rows[-1].id

    def existing_linkedids(self, linkedids: Iterable[str]) -> set[str]:
        wanted = list(linkedids)
        found: set[str] = set()
        try:
            with self.sessions() as session:
                for i in range(0, len(wanted), 500):  # under every driver's parameter cap
                    found.update(session.scalars(
                        select(Call.linkedid).where(Call.linkedid.in_(wanted[i:i + 500]))))
        except SQLAlchemyError as e:
            raise StoreError(f"could not look up {len(wanted)} calls: {e}") from e
        return found

    def insert_many(self, calls: Sequence[Mapping[str, Any]],
                    legs: Sequence[Sequence[Mapping[str, Any]]]) -> list[int]:
        """Inserts calls (column -> value; times aware) with their legs (legs[i] belongs to
        calls[i]) in one transaction; returns the new ids in order."""
        try:
            with self.engine.begin() as conn:
                ids = list(conn.scalars(
                    insert(Call).returning(Call.id, sort_by_parameter_order=True),
                    [dict(c) for c in calls]))
                rows = [{**leg, "call_id": call_id}
                        for call_id, call_legs in zip(ids, legs, strict=True)
                        for leg in call_legs]
                if rows:
                    conn.execute(insert(CallLeg), rows)
                agents = [row for call_id, c in zip(ids, calls, strict=True)
                          for row in _agent_rows(call_id, c["started_at"], c.get("agent"),
                                                 c.get("agents"))]
                if agents:
                    conn.execute(insert(CallAgent), agents)
                return ids
        except SQLAlchemyError as e:
            raise StoreError(f"could not insert {len(calls)} calls: {e}") from e


def _next(last: Any, served: int) -> Seek:
    """The cursor after a page's last key row: (started_at, call id) of the calls' or, with
    `agent`, of call_agents' (the same values: its copy of the call's start)."""
    return Seek(last[0], last[1], served)


def recording_values(*, path: str | None, duration: float | None, channels: int | None,
                     sha256: str | None, qa_flags: dict[str, Any] | None,
                     error: str | None) -> dict[str, Any]:
    """The columns set_recording sets."""
    values: dict[str, Any] = {"recording_error": error}
    if error is None:
        values.update(recording_path=path, recording_duration=duration,
                      recording_channels=channels, recording_sha256=sha256)
        if qa_flags is not None:
            values["qa_flags"] = qa_flags
    return values


def _columns(r: CallRecord) -> dict[str, Any]:
    """The calls row of a record (but its linkedid and recording columns)."""
    return {
        "caller": r.caller, "caller_name": r.caller_name, "called": r.called,
        "started_at": _utc(r.started_at), "answered_at": _utc(r.answered_at),
        "queued_at": _utc(r.queued_at), "agent_answered_at": _utc(r.agent_answered_at),
        "ended_at": _utc(r.ended_at), "route": r.route, "decided_by": r.decided_by,
        "agent": r.agent, "disposition": r.disposition, "wait_seconds": r.wait_seconds,
        "talk_seconds": r.talk_seconds, "hangup_cause": r.hangup_cause,
        "hangup_by": r.hangup_by or "", "ring_attempts": r.ring_attempts, "partial": r.partial,
        "direction": r.direction, "source": r.source, "hold_seconds": r.hold_seconds,
        "agents": list(r.agents)}


def _leg_rows(call_id: int, r: CallRecord) -> list[dict[str, Any]]:
    return [{"call_id": call_id, "uniqueid": leg.uniqueid, "channel": leg.channel,
             "caller": leg.caller, "started_at": _utc(leg.started_at),
             "answered_at": _utc(leg.answered_at), "ended_at": _utc(leg.ended_at),
             "cause": leg.cause, "cause_text": leg.cause_text} for leg in r.legs]
