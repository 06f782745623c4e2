"""Response models of the /calls routes. Field names are a public contract (QA tools and the
ticketing system read them): keep them as they are. Status words are the core's enums, so the
OpenAPI document lists every value a client can meet."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from pathlib import PurePath
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import LocalTime, local_time
from callrecords.live_sessions import LiveSession
from callrecords.models import Call, CallLeg
from domain.privacy import mask_name, mask_number
from domain.status import (
    Decider,
    Direction,
    Disposition,
    HangupBy,
    LiveEnd,
    LiveMode,
    LiveVia,
    RecordSource,
    Route,
)


class Leg(BaseModel):
    uniqueid: str
    channel: str
    caller: str
    started_at: LocalTime
    answered_at: LocalTime | None
    ended_at: LocalTime | None
    cause: int | None
    cause_text: str

    @classmethod
    def of(cls, leg: CallLeg, tz: tzinfo) -> Leg:
        return cls(uniqueid=leg.uniqueid, channel=leg.channel, caller=leg.caller,
                   started_at=local_time(leg.started_at, tz),
                   answered_at=local_time(leg.answered_at, tz),
                   ended_at=local_time(leg.ended_at, tz),
                   cause=leg.cause, cause_text=leg.cause_text)


class RingAttempt(BaseModel):
    """One agent's phone rung for this call (R1): who, when it stopped ringing (answer or ring
    timeout), for how long, and whether the agent answered."""

    model_config = ConfigDict(extra="allow")  # a later tracker may record more

    agent: str | None
    at: LocalTime | None
    ring_seconds: float | None
    answered: bool

    @classmethod
    def of(cls, stored: dict[str, Any], tz: tzinfo) -> RingAttempt:
        # Stored as the AMI event's epoch seconds; served like every other time (issue 12).
        at = stored.get("at")
        when = (local_time(datetime.fromtimestamp(float(at), UTC), tz)
                if isinstance(at, int | float) else None)
        return cls.model_validate({**stored, "at": when})


class Recording(BaseModel):
    duration_seconds: float | None
    channels: int | None
    sha256: str | None
    url: str


class CallLiveSession(BaseModel):
    """A supervisor listened to this call live (R18; /live-sessions has the same fields)."""

    id: int
    agent: str
    listener: str
    mode: LiveMode
    started_at: LocalTime
    answered_at: LocalTime | None
    ended_at: LocalTime | None
    duration_seconds: float | None
    end_reason: LiveEnd | None
    via: LiveVia
    by: str

    @classmethod
    def of(cls, s: LiveSession, tz: tzinfo) -> CallLiveSession:
        return cls(id=s.id, agent=s.agent, listener=s.listener, mode=LiveMode(s.mode),
                   started_at=local_time(s.started_at, tz),
                   answered_at=local_time(s.answered_at, tz),
                   ended_at=local_time(s.ended_at, tz), duration_seconds=s.duration_seconds,
                   end_reason=LiveEnd(s.end_reason) if s.end_reason else None,
                   via=LiveVia(s.via), by=s.by)


class CallOut(BaseModel):
    id: int
    linkedid: str
    caller: str
    caller_name: str
    called: str
    started_at: LocalTime
    answered_at: LocalTime | None
    queued_at: LocalTime | None
    agent_answered_at: LocalTime | None
    ended_at: LocalTime | None
    route: Route | None
    direction: Direction
    agent: str | None
    disposition: Disposition
    wait_seconds: float | None
    talk_seconds: float
    hangup_cause: str
    hangup_by: HangupBy | None
    decided_by: Decider | None
    partial: bool
    ring_attempts: list[RingAttempt]
    recording: Recording | None
    recording_error: str | None
    qa_flags: dict[str, Any] | None
    legs: list[Leg]
    # issue 8 (R9): seconds on hold (every hold of the call), and every agent who talked to the
    # caller in order (a transfer adds one); `agent` is the first.
    hold_seconds: float
    agents: list[str]
    # issue 13: `live` (the bridge followed the call), `reconciled` (built afterwards from
    # Asterisk's CEL: the bridge was down or disconnected), `imported` (hotline calls import)
    source: RecordSource = RecordSource.LIVE
    # R18: supervisors who listened in (GET /calls and /calls/{id}; not exported).
    live_sessions: list[CallLiveSession] = []

    @classmethod
    def of(cls, call: Call, tz: tzinfo, live: Sequence[LiveSession] = ()) -> CallOut:
        recording = None
        if call.recording_path is not None:
            recording = Recording(duration_seconds=call.recording_duration,
                                  channels=call.recording_channels,
                                  sha256=call.recording_sha256,
                                  url=f"/calls/{call.id}/recording")
        return cls(
            id=call.id, linkedid=call.linkedid, caller=call.caller or "",
            caller_name=call.caller_name or "", called=call.called or "",
            started_at=local_time(call.started_at, tz),
            answered_at=local_time(call.answered_at, tz),
            queued_at=local_time(call.queued_at, tz),
            agent_answered_at=local_time(call.agent_answered_at, tz),
            ended_at=local_time(call.ended_at, tz),
            route=call.route, direction=call.direction or Direction.INBOUND,
            agent=call.agent, disposition=call.disposition,
            wait_seconds=call.wait_seconds, talk_seconds=call.talk_seconds or 0.0,
            hangup_cause=call.hangup_cause or "", hangup_by=call.hangup_by or None,
            decided_by=call.decided_by, partial=bool(call.partial),
            ring_attempts=[RingAttempt.of(a, tz) for a in call.ring_attempts or []],
            recording=recording, recording_error=call.recording_error,
            qa_flags=_without_server_paths(call.qa_flags),
            legs=[Leg.of(leg, tz) for leg in call.legs],
            hold_seconds=call.hold_seconds or 0.0,
            agents=list(call.agents or ([call.agent] if call.agent else [])),
            source=call.source or RecordSource.LIVE,
            live_sessions=[CallLiveSession.of(s, tz) for s in live],
        )


    def masked(self) -> CallOut:
        """The record as a role without the right to see customers' numbers gets it (R26):
        the customer's number (the caller of an inbound call, the called party of an outbound
        one), wherever a leg shows it too, and the caller's name. Agents' 工号 and the
        hotline's own number stay readable."""
        customer = self.called if self.direction == Direction.OUTBOUND else self.caller
        digits = "".join(c for c in customer if c.isdigit())

        def hide(number: str) -> str:
            # A leg may show the customer's number with a prefix (+86, 0): hidden as well.
            own = "".join(c for c in number if c.isdigit())
            return mask_number(number) if digits and own.endswith(digits) else number

        return self.model_copy(update={
            "caller": hide(self.caller), "called": hide(self.called),
            "caller_name": mask_name(self.caller_name) if self.direction != Direction.OUTBOUND
            else self.caller_name,
            "legs": [leg.model_copy(update={"caller": hide(leg.caller)}) for leg in self.legs],
        })


def _without_server_paths(flags: dict[str, Any] | None) -> dict[str, Any] | None:
    """The analysis names the file it read (`file`); the API gives its name only, never where
    the server keeps it (issue 12): the recording itself is at `recording.url`."""
    if not flags or not isinstance(flags.get("file"), str):
        return flags
    return {**flags, "file": PurePath(flags["file"]).name}


class CallPage(BaseModel):
    items: list[CallOut]
    total: int = Field(description="How many calls match. When the response header "
                                   "X-Total-Exact is false, a lower bound (offset + the "
                                   "page's items + api.count_limit + 1): counting every "
                                   "match of a large history would scan all of them")
    limit: int
    offset: int = Field(description="Rows before this page: the request's offset, or on a "
                                    "page reached by `cursor`, counted along the walk")
    next: str | None = Field(None, description="The cursor of the next page (`?cursor=`, "
                                               "with the same filters); null on the last "
                                               "page. Also in the `Link` header, "
                                               "rel=\"next\"")
