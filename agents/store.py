"""Agents' presence in the database: the current state per agent and the append-only trail.
A change writes both in one transaction, so the trail never misses a state the API showed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from agents.models import AgentPresence, PresenceChange
from agents.presence import Stamped, State
from domain.status import Presence, PresenceVia


def _aware(value: datetime) -> datetime:
    # SQLite gives naive datetimes back; every stored time is UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class TrailEntry:
    agent: str
    at: datetime
    from_state: Presence
    to_state: Presence
    reason: str
    via: PresenceVia
    by: str


class PresenceStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def current(self) -> dict[str, Stamped]:
        """Every agent's stored state (agents that never changed anything are absent)."""
        with self.sessions() as session:
            rows = session.scalars(select(AgentPresence)).all()
            return {r.agent: Stamped(State(Presence(r.state), r.reason),
                                     _aware(r.since).timestamp(), PresenceVia(r.via))
                    for r in rows}

    def record(self, agent: str, before: State, after: Stamped, by: str) -> TrailEntry:
        """The agent's new state, and its line on the trail."""
        at = datetime.fromtimestamp(after.at, UTC)
        with self.sessions.begin() as session:
            row = session.get(AgentPresence, agent, with_for_update=True)
            if row is None:
                row = AgentPresence(agent=agent)
                session.add(row)
            row.state, row.reason = after.state.presence.value, after.state.reason
            row.since, row.via = at, after.via.value
            change = PresenceChange(agent=agent, at=at, from_state=before.presence.value,
                                    to_state=after.state.presence.value,
                                    reason=after.state.reason, via=after.via.value, by=by[:64])
            session.add(change)
        return TrailEntry(agent, at, before.presence, after.state.presence, after.state.reason,
                          after.via, by[:64])

    def trail(self, agent: str, since: datetime | None = None, until: datetime | None = None,
              limit: int = 1000) -> list[TrailEntry]:
        """The agent's changes in [since, until), oldest first."""
        query = select(PresenceChange).where(PresenceChange.agent == agent)
        if since is not None:
            query = query.where(PresenceChange.at >= since.astimezone(UTC))
        if until is not None:
            query = query.where(PresenceChange.at < until.astimezone(UTC))
        query = query.order_by(PresenceChange.at, PresenceChange.id).limit(limit)
        with self.sessions() as session:
            return [TrailEntry(r.agent, _aware(r.at), Presence(r.from_state),
                               Presence(r.to_state), r.reason, PresenceVia(r.via), r.by)
                    for r in session.scalars(query).all()]
