"""The presence desk: every agent's chosen state (the database's, kept in memory), what its
phone is doing (from Asterisk's queue events), and the one way a state changes: `change`,
which records it on the trail and applies it to Asterisk. The API and the AMI plugin share
one desk."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Protocol

from agents.presence import Stamped, State, activity, apply, initial, registered, shown
from agents.store import PresenceStore, TrailEntry
from domain.clock import Clock
from domain.status import Presence, PresenceAction, PresenceVia
from ivr.ami_actions import AmiError
from settings import Settings

log = logging.getLogger(__name__)


class Applier(Protocol):
    async def apply(self, agent: str, stamped: Stamped) -> None: ...


class UnknownAgent(LookupError):
    pass


class UnknownReason(ValueError):
    pass


@dataclass
class Live:
    """What Asterisk last said about the agent's phone."""

    status: str = "5"  # QueueMember Status; unavailable until Asterisk says otherwise
    call: str | None = None  # linkedid of the call it rings for or talks on


@dataclass(frozen=True)
class AgentView:
    agent: str
    name: str
    registered: bool
    state: Presence
    pause_reason: str | None
    since: datetime | None
    current_call_id: str | None


@dataclass
class PresenceDesk:
    settings: Settings
    store: PresenceStore
    clock: Clock
    applier: Applier | None = None  # None: no bridge (the state is applied at its next login)
    live: dict[str, Live] = field(default_factory=dict)
    _chosen: dict[str, Stamped] | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    _names: tuple[object, Mapping[str, str]] | None = field(default=None, init=False, repr=False)

    @property
    def names(self) -> Mapping[str, str]:
        """Agent number -> name, read-only. Asked for every queue member event (~6 a call):
        built again only when the agents list is another object (issue 9: rebuilding the
        dict of 250 agents each time was 8% of the event loop's CPU under load)."""
        agents = self.settings.agents
        if self._names is None or self._names[0] is not agents:
            self._names = (agents, MappingProxyType({a.number: a.name for a in agents}))
        return self._names[1]

    @property
    def reasons(self) -> frozenset[str]:
        return frozenset(self.settings.features.pause_reasons.values())

    def now(self) -> float:
        """Unix time in milliseconds, the resolution Asterisk's records have (AstDB)."""
        return round(self.clock().timestamp(), 3)

    def start_state(self) -> State:
        return initial(self.settings.queue.sign_in)

    def chosen(self) -> dict[str, Stamped]:
        if self._chosen is None:
            self._chosen = self.store.current()
        return self._chosen

    def reload(self) -> dict[str, Stamped]:
        self._chosen = self.store.current()
        return self._chosen

    def state_of(self, agent: str) -> State:
        stamped = self.chosen().get(agent)
        return stamped.state if stamped is not None else self.start_state()

    def view(self, agent: str) -> AgentView:
        if agent not in self.names:
            raise UnknownAgent(agent)
        stamped = self.chosen().get(agent)
        state = stamped.state if stamped is not None else self.start_state()
        live = self.live.get(agent, Live())
        doing = activity(live.status)
        return AgentView(
            agent, self.names[agent], registered(live.status), shown(state, doing),
            state.reason if state.presence is Presence.PAUSED else None,
            datetime.fromtimestamp(stamped.at, UTC) if stamped is not None else None,
            live.call if doing is not None else None)

    def views(self) -> list[AgentView]:
        return [self.view(agent) for agent in self.names]

    async def change(self, agent: str, action: PresenceAction, reason: str, via: PresenceVia,
                     by: str) -> AgentView:
        """Records the change and applies it to Asterisk. UnknownAgent, UnknownReason,
        agents.presence.InvalidTransition. If Asterisk cannot be reached the change stays
        recorded and is applied at the bridge's next AMI login (PresencePlugin.reconcile)."""
        if agent not in self.names:
            raise UnknownAgent(agent)
        if action is PresenceAction.PAUSE and reason and reason not in self.reasons:
            raise UnknownReason(reason)
        async with self.lock:
            await asyncio.to_thread(self.chosen)
            before = self.state_of(agent)
            after = Stamped(apply(before, action, reason), self.now(), via)
            await self.record(agent, before, after, by)
            if self.applier is not None:
                try:
                    await self.applier.apply(agent, after)
                except AmiError as e:
                    log.warning("agent %s is %s; not applied to Asterisk yet (%s): applied at "
                                "the next AMI login", agent, after.state.presence, e)
        return self.view(agent)

    async def record(self, agent: str, before: State, after: Stamped, by: str) -> TrailEntry:
        """Stores a change that happened (or was decided); the trail gets its line."""
        entry = await asyncio.to_thread(self.store.record, agent, before, after, by)
        self.chosen()[agent] = after
        return entry
