"""Request and response models of /live-sessions. Field names are a contract (issue 8)."""

from __future__ import annotations

from datetime import tzinfo

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import LocalTime, local_time
from callrecords.live_sessions import LiveSession
from domain.status import LiveEnd, LiveMode, LiveVia

NUMBER = r"^[0-9]{2,10}$"


class LiveSessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agent: str = Field(pattern=NUMBER, description="The agent's 工号")
    listener: str = Field(pattern=NUMBER, description="The supervisor phone's number "
                                                      "([[supervisors]])")
    mode: LiveMode = Field(description="listen: nobody hears the supervisor; whisper: the "
                                       "agent does; barge: agent and caller do")


class LiveSessionOut(BaseModel):
    id: int
    agent: str
    listener: str
    mode: LiveMode
    call_id: str = Field(description="The call's linkedid (its record's `linkedid`)")
    started_at: LocalTime
    answered_at: LocalTime | None = Field(description="When the supervisor's phone answered")
    ended_at: LocalTime | None
    duration_seconds: float | None = Field(
        description="Seconds listened (answer to end); 0 if never answered; null while live")
    end_reason: LiveEnd | None
    via: LiveVia
    by: str = Field(description="Who started it: the token (role/fingerprint) or "
                                "phone:<number>")

    @classmethod
    def of(cls, s: LiveSession, tz: tzinfo) -> LiveSessionOut:
        started = local_time(s.started_at, tz)
        assert started is not None
        return cls(id=s.id, agent=s.agent, listener=s.listener, mode=LiveMode(s.mode),
                   call_id=s.call_id, started_at=started,
                   answered_at=local_time(s.answered_at, tz),
                   ended_at=local_time(s.ended_at, tz), duration_seconds=s.duration_seconds,
                   end_reason=LiveEnd(s.end_reason) if s.end_reason else None,
                   via=LiveVia(s.via), by=s.by)


class LiveSessionPage(BaseModel):
    items: list[LiveSessionOut]
    total: int
    limit: int
    offset: int
