"""Tickets in the database (the call store's engine: one database, one migration history).
Writes go through `transaction()`, which the desk uses to read, decide and write a ticket
atomically (row lock on PostgreSQL; SQLite serialises writers)."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from callrecords.store import CallStore
from tickets.models import BreachNotice, Ticket

# One ticket write at a time in this process (the API's and the bridge's desks share it):
# SQLite cannot turn a read into a write while another connection writes, and answers
# "database is locked" at once instead of waiting, which would lose a product event.
_WRITING = threading.Lock()


def utc(value: datetime) -> datetime:
    """SQLite gives back naive times; the store writes UTC only."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class TicketFilter:
    status: str | None = None
    category: str | None = None
    complaint_kind: str | None = None
    severity: str | None = None
    matter: str | None = None
    customer: str | None = None
    assignee: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    breached: bool | None = None
    agent: str | None = None  # an agent token sees what it created or is assigned to


def visible_to_agent(agent: str) -> ColumnElement[bool]:
    return or_(Ticket.creator_agent == agent, Ticket.assignee == agent,
               Ticket.assignee == f"agent:{agent}")


def breached_at(now: datetime) -> ColumnElement[bool]:
    """Any clock breached: marked so, or a running clock's due time has passed (the watcher
    has not come round yet)."""
    return or_(Ticket.breached.is_(True), Ticket.next_due_at < now.astimezone(UTC))


class TicketStore:
    def __init__(self, calls: CallStore) -> None:
        self.calls = calls

    @property
    def sessions(self) -> sessionmaker[Session]:
        return self.calls.sessions  # the call store's: one database

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with _WRITING, self.sessions.begin() as session:
            yield session

    def lock(self, session: Session, ticket_id: int) -> Ticket | None:
        return session.scalar(select(Ticket).where(Ticket.id == ticket_id).with_for_update())

    def get(self, ticket_id: int) -> Ticket | None:
        with self.sessions() as session:
            return session.get(Ticket, ticket_id)

    def _where(self, f: TicketFilter, now: datetime) -> list[ColumnElement[bool]]:
        clauses: list[ColumnElement[bool]] = []
        for column, value in ((Ticket.status, f.status), (Ticket.category, f.category),
                              (Ticket.complaint_kind, f.complaint_kind),
                              (Ticket.severity, f.severity), (Ticket.matter, f.matter),
                              (Ticket.customer_number, f.customer),
                              (Ticket.assignee, f.assignee)):
            if value is not None:
                clauses.append(column == value)
        if f.since is not None:
            clauses.append(Ticket.accepted_at >= f.since.astimezone(UTC))
        if f.until is not None:
            clauses.append(Ticket.accepted_at < f.until.astimezone(UTC))
        if f.breached is True:
            clauses.append(breached_at(now))
        elif f.breached is False:
            clauses.append(~breached_at(now) | (Ticket.next_due_at.is_(None)
                                                & Ticket.breached.is_(False)))
        if f.agent is not None:
            clauses.append(visible_to_agent(f.agent))
        return clauses

    def search(self, f: TicketFilter, limit: int, offset: int,
               now: datetime) -> tuple[Sequence[Ticket], int]:
        where = and_(True, *self._where(f, now))
        with self.sessions() as session:
            total = session.scalar(select(func.count(Ticket.id)).where(where)) or 0
            rows = session.scalars(select(Ticket).where(where)
                                   .order_by(Ticket.accepted_at.desc(), Ticket.id.desc())
                                   .limit(limit).offset(offset)).all()
            return rows, total

    def due_by(self, now: datetime, limit: int = 500) -> list[int]:
        """Tickets with a running clock due by `now` (the breach watcher's work list)."""
        with self.sessions() as session:
            return list(session.scalars(
                select(Ticket.id).where(Ticket.next_due_at <= now.astimezone(UTC))
                .order_by(Ticket.next_due_at).limit(limit)))

    def in_month(self, first: datetime, after_last: datetime) -> Sequence[Ticket]:
        with self.sessions() as session:
            return session.scalars(select(Ticket).where(
                Ticket.accepted_at >= first.astimezone(UTC),
                Ticket.accepted_at < after_last.astimezone(UTC)).order_by(Ticket.id)).all()

    # -- the breach outbox ---------------------------------------------------------------------
    def notices_due(self, now: datetime, limit: int = 50) -> Sequence[BreachNotice]:
        with self.sessions() as session:
            return session.scalars(select(BreachNotice).where(
                BreachNotice.delivered_at.is_(None),
                BreachNotice.next_attempt_at <= now.astimezone(UTC))
                .order_by(BreachNotice.id).limit(limit)).all()

    def notice_delivered(self, notice_id: int, now: datetime, note: str | None = None) -> None:
        """Done with: delivered, or (note) deliberately not sent."""
        with self.sessions.begin() as session:
            session.execute(update(BreachNotice).where(BreachNotice.id == notice_id)
                            .values(delivered_at=now.astimezone(UTC), last_error=note))

    def notice_failed(self, notice_id: int, attempts: int, retry_at: datetime,
                      error: str) -> None:
        with self.sessions.begin() as session:
            session.execute(update(BreachNotice).where(BreachNotice.id == notice_id)
                            .values(attempts=attempts, next_attempt_at=retry_at.astimezone(UTC),
                                    last_error=error[:500]))

    def notices(self, ticket_id: int) -> Sequence[BreachNotice]:
        with self.sessions() as session:
            return session.scalars(select(BreachNotice).where(
                BreachNotice.ticket_id == ticket_id).order_by(BreachNotice.id)).all()
