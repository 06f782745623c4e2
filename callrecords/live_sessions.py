"""Live-listening sessions (issue 8, R18), kept in the adapter layer beside the call records so
that the features reading them (calls: a record's `live_sessions`; qa: a session is a live
inspection of its call) do not import the `live` feature that writes them.

`call_id` is the spied call's linkedid (its record does not exist while it is live);
`spy_uniqueid` is the Asterisk uniqueid of the supervisor's channel, whose Hangup ends the
session. Times are stored in UTC."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import DateTime, Integer, String, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from callrecords.models import Base, Call
from callrecords.store import StoreError


class LiveSessionRow(Base):
    __tablename__ = "live_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agent: Mapped[str] = mapped_column(String(16), index=True)
    listener: Mapped[str] = mapped_column(String(16))  # the supervisor's number
    mode: Mapped[str] = mapped_column(String(16))  # domain.status.LiveMode
    call_id: Mapped[str] = mapped_column(String(64), index=True)  # the call's linkedid
    via: Mapped[str] = mapped_column(String(16))  # domain.status.LiveVia
    by: Mapped[str] = mapped_column(String(128))  # token principal, or phone:<number>
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(String(16))  # domain.status.LiveEnd
    spy_uniqueid: Mapped[str] = mapped_column(String(150), index=True)
    spy_channel: Mapped[str] = mapped_column(String(128), default="")


def _aware(value: datetime | None) -> datetime | None:
    # SQLite gives naive datetimes back; every stored time is UTC.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class LiveSession:
    id: int
    agent: str
    listener: str
    mode: str
    call_id: str
    via: str
    by: str
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    end_reason: str | None
    spy_uniqueid: str
    spy_channel: str

    @classmethod
    def of(cls, row: LiveSessionRow) -> LiveSession:
        started = _aware(row.started_at)
        assert started is not None
        return cls(row.id, row.agent, row.listener, row.mode, row.call_id, row.via, row.by,
                   started, _aware(row.answered_at), _aware(row.ended_at), row.end_reason,
                   row.spy_uniqueid, row.spy_channel)

    @property
    def duration_seconds(self) -> float | None:
        """How long the supervisor listened: from answering to the end (0 when the phone was
        never answered); None while the session runs."""
        if self.ended_at is None:
            return None
        if self.answered_at is None:
            return 0.0
        return round(max(0.0, (self.ended_at - self.answered_at).total_seconds()), 3)


class LiveSessionStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def create(self, *, agent: str, listener: str, mode: str, call_id: str, via: str, by: str,
               started_at: datetime, spy_uniqueid: str, spy_channel: str = "",
               answered_at: datetime | None = None) -> LiveSession:
        try:
            with self.sessions.begin() as session:
                row = LiveSessionRow(agent=agent, listener=listener, mode=mode,
                                     call_id=call_id, via=via, by=by, started_at=started_at,
                                     answered_at=answered_at, spy_uniqueid=spy_uniqueid,
                                     spy_channel=spy_channel)
                session.add(row)
                session.flush()
                return LiveSession.of(row)
        except SQLAlchemyError as e:
            raise StoreError(f"could not store a live session on {call_id}: {e}") from e

    def get(self, session_id: int) -> LiveSession | None:
        with self.sessions() as session:
            row = session.get(LiveSessionRow, session_id)
            return None if row is None else LiveSession.of(row)

    def open_by_spy(self, uniqueid: str) -> LiveSession | None:
        """The running session whose supervisor channel has this uniqueid."""
        with self.sessions() as session:
            row = session.scalar(select(LiveSessionRow).where(
                LiveSessionRow.spy_uniqueid == uniqueid, LiveSessionRow.ended_at.is_(None)))
            return None if row is None else LiveSession.of(row)

    def open_sessions(self) -> list[LiveSession]:
        with self.sessions() as session:
            rows = session.scalars(select(LiveSessionRow).where(
                LiveSessionRow.ended_at.is_(None)).order_by(LiveSessionRow.id))
            return [LiveSession.of(r) for r in rows]

    def answered(self, session_id: int, at: datetime, channel: str) -> LiveSession | None:
        """The supervisor picked up: listening starts (kept once: a repeat changes nothing)."""
        try:
            with self.sessions.begin() as session:
                row = session.get(LiveSessionRow, session_id)
                if row is None:
                    return None
                if row.answered_at is None:
                    row.answered_at = at
                    row.spy_channel = channel or row.spy_channel
                return LiveSession.of(row)
        except SQLAlchemyError as e:
            raise StoreError(f"could not update live session {session_id}: {e}") from e

    def end(self, session_id: int, at: datetime, reason: str) -> LiveSession | None:
        """Ends a session; one that had ended already keeps its end and reason."""
        try:
            with self.sessions.begin() as session:
                row = session.get(LiveSessionRow, session_id)
                if row is None:
                    return None
                if row.ended_at is None:
                    row.ended_at, row.end_reason = at, reason
                return LiveSession.of(row)
        except SQLAlchemyError as e:
            raise StoreError(f"could not end live session {session_id}: {e}") from e

    def search(self, agent: str | None, since: datetime | None, until: datetime | None,
               limit: int, offset: int) -> tuple[list[LiveSession], int]:
        """Sessions started in [since, until), newest first."""
        query = select(LiveSessionRow)
        if agent:
            query = query.where(LiveSessionRow.agent == agent)
        if since is not None:
            query = query.where(LiveSessionRow.started_at >= since.astimezone(UTC))
        if until is not None:
            query = query.where(LiveSessionRow.started_at < until.astimezone(UTC))
        with self.sessions() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = session.scalars(query.order_by(LiveSessionRow.started_at.desc(),
                                                  LiveSessionRow.id.desc())
                                   .limit(limit).offset(offset))
            return [LiveSession.of(r) for r in rows], total

    def for_calls(self, linkedids: Sequence[str]) -> dict[str, list[LiveSession]]:
        """Each call's sessions, oldest first (calls without any are left out)."""
        found: dict[str, list[LiveSession]] = {}
        with self.sessions() as session:
            for i in range(0, len(linkedids), 500):  # under every driver's parameter cap
                rows = session.scalars(select(LiveSessionRow).where(
                    LiveSessionRow.call_id.in_(linkedids[i:i + 500]))
                    .order_by(LiveSessionRow.started_at, LiveSessionRow.id))
                for row in rows:
                    found.setdefault(row.call_id, []).append(LiveSession.of(row))
        return found

    def inspected_calls(self, since: datetime, until: datetime
                        ) -> Sequence[tuple[int, str]]:
        """(call record id, agent) of the agents' answered calls of [since, until) (by
        agent_answered_at) that a supervisor listened to live: R18's live inspections."""
        query = (select(Call.id, Call.agent).distinct()
                 .join(LiveSessionRow, LiveSessionRow.call_id == Call.linkedid)
                 .where(LiveSessionRow.answered_at.is_not(None), Call.agent.is_not(None),
                        Call.agent_answered_at >= since.astimezone(UTC),
                        Call.agent_answered_at < until.astimezone(UTC)))
        with self.sessions() as session:
            return [(int(i), str(a)) for i, a in session.execute(query)]
