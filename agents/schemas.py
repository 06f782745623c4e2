"""Request and response bodies of /agents. Field names are the issue's contract."""

from __future__ import annotations

from datetime import tzinfo

from pydantic import BaseModel, ConfigDict, Field

from agents.desk import AgentView
from agents.store import TrailEntry
from api.schemas import LocalTime, local_time
from domain.status import Presence, PresenceAction, PresenceVia


class AgentOut(BaseModel):
    agent: str = Field(description="工号")
    name: str
    registered: bool = Field(description="Whether the agent's phone is registered")
    state: Presence = Field(description="signed_out, available, paused; ringing or on_call "
                                        "(from Asterisk) over available")
    pause_reason: str | None = Field(description="When paused: a [features] pause_reasons "
                                                 "word, or \"\" for a pause without one")
    since: LocalTime | None = Field(description="When the current chosen state began; null "
                                                "if the agent never changed it")
    current_call_id: str | None = Field(description="While ringing or on a call: the call's "
                                                    "linkedid (its record's `linkedid`)")

    @classmethod
    def of(cls, view: AgentView, tz: tzinfo) -> AgentOut:
        return cls(agent=view.agent, name=view.name, registered=view.registered,
                   state=view.state, pause_reason=view.pause_reason,
                   since=local_time(view.since, tz), current_call_id=view.current_call_id)


class PresenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: PresenceAction
    reason: str | None = Field(None, max_length=32, description="pause only: a [features] "
                                                               "pause_reasons word")


class TrailEntryOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    at: LocalTime
    from_: Presence = Field(alias="from", serialization_alias="from")
    to: Presence
    reason: str
    via: PresenceVia
    by: str = Field(description="The phone's 工号, or the API token's role (and name)")

    @classmethod
    def of(cls, entry: TrailEntry, tz: tzinfo) -> TrailEntryOut:
        at = local_time(entry.at, tz)
        assert at is not None
        return cls(at=at, from_=entry.from_state, to=entry.to_state, reason=entry.reason,
                   via=entry.via, by=entry.by)
