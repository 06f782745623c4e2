"""Request and response models of /tickets. Field names and words are a public contract
(issue 6): keep them exactly. Requests forbid unknown fields (422)."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.schemas import MAX_ID, LocalTime, local_time
from domain.privacy import mask_name, mask_number
from domain.status import (
    CallbackResult,
    Channel,
    ClockState,
    ComplaintKind,
    MajorReason,
    Severity,
    TicketCategory,
    TicketCause,
    TicketStatus,
)
from tickets.clocks import ClockView
from tickets.models import Ticket

# A ticket id in a path: beyond a database integer is 422, never handed to the database.
TicketId = Annotated[int, Path(ge=1, le=MAX_ID, description="The ticket's id")]

class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Customer(_In):
    number: str = Field("", max_length=64)
    name: str = Field("", max_length=128)


class Flags(_In):
    """R14: what makes a responsible complaint major at once."""

    government_media: bool = False
    serious_loss: bool = False
    repeated_unresolved: bool = False


class TicketIn(_In):
    category: TicketCategory | None = None
    cause: TicketCause | None = None
    complaint_kind: ComplaintKind | None = None
    severity: Severity | None = None
    matter: str | None = Field(None, min_length=1, max_length=128)
    subject: str = Field("", max_length=256)
    description: str = Field("", max_length=20000)
    customer: Customer = Customer()
    channel: Channel = Channel.PHONE
    assignee: str | None = Field(None, min_length=1, max_length=128)
    call_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = []
    accepted_at: datetime | None = Field(
        None, description="When the complaint was received (a letter, the counter); "
                          "default now. Without an offset: the company's time zone.")
    flags: Flags | None = None


class _Event(_In):
    note: str | None = Field(None, max_length=20000)


class ClassifyIn(_Event):
    type: Literal["classify"]
    category: TicketCategory | None = None
    cause: TicketCause | None = None
    complaint_kind: ComplaintKind | None = None
    severity: Severity | None = None
    matter: str | None = Field(None, min_length=1, max_length=128)
    flags: Flags | None = None

    @model_validator(mode="after")
    def _something(self) -> ClassifyIn:
        if all(getattr(self, name) is None for name in
               ("category", "cause", "complaint_kind", "severity", "matter", "flags")):
            raise ValueError("classify needs at least one of category, cause, complaint_kind, "
                             "severity, matter, flags")
        return self


class AssignIn(_Event):
    type: Literal["assign"]
    assignee: str = Field(min_length=1, max_length=128)


class StartIn(_Event):
    type: Literal["start"]


class ReactIn(_Event):
    type: Literal["react"]


class ReplyIn(_Event):
    type: Literal["reply"]


class ResolveIn(_Event):
    type: Literal["resolve"]
    result: str = Field(min_length=1, max_length=20000)


class CallbackIn(_Event):
    type: Literal["callback"]
    result: CallbackResult
    call_id: int | None = Field(None, ge=1, le=MAX_ID)


class ReopenIn(_Event):
    type: Literal["reopen"]
    reason: str = Field(min_length=1, max_length=20000)


class CommentIn(_Event):
    type: Literal["comment"]
    note: str = Field(min_length=1, max_length=20000)


class CloseIn(_Event):
    type: Literal["close"]


EventIn = Annotated[
    ClassifyIn | AssignIn | StartIn | ReactIn | ReplyIn | ResolveIn | CallbackIn | ReopenIn
    | CommentIn | CloseIn, Field(discriminator="type")]


class ClockOut(BaseModel):
    name: str
    starts_at: LocalTime | None
    due_at: LocalTime | None
    state: ClockState
    met_at: LocalTime | None
    remaining_seconds: float | None

    @classmethod
    def of(cls, c: ClockView, tz: tzinfo) -> ClockOut:
        return cls(name=c.name, starts_at=local_time(c.starts_at, tz),
                   due_at=local_time(c.due_at, tz), state=c.state,
                   met_at=local_time(c.met_at, tz),
                   remaining_seconds=None if c.remaining_seconds is None
                   else round(c.remaining_seconds, 3))


class CustomerOut(BaseModel):
    number: str
    name: str


class TicketOut(BaseModel):
    id: int
    category: TicketCategory | None
    cause: TicketCause | None
    complaint_kind: ComplaintKind | None
    severity: Severity | None
    major_reason: MajorReason | None
    matter: str | None
    subject: str
    description: str
    customer: CustomerOut
    channel: Channel
    status: TicketStatus
    accepted_at: LocalTime
    created_by: str
    assignee: str | None
    call_ids: list[int]
    clocks: list[ClockOut]
    events: list[dict[str, Any]]
    group_id: str | None
    flags: Flags
    voicemail: str | None = Field(description="URL of the voicemail message, if any")

    @classmethod
    def of(cls, t: Ticket, clocks: list[ClockView], tz: tzinfo) -> TicketOut:
        accepted = local_time(t.accepted_at, tz)
        assert accepted is not None
        return cls(
            id=t.id, category=t.category, cause=t.cause, complaint_kind=t.complaint_kind,
            severity=t.severity, major_reason=t.major_reason, matter=t.matter,
            subject=t.subject, description=t.description,
            customer=CustomerOut(number=t.customer_number, name=t.customer_name),
            channel=t.channel, status=t.status, accepted_at=accepted, created_by=t.created_by,
            assignee=t.assignee, call_ids=list(t.call_ids or []),
            clocks=[ClockOut.of(c, tz) for c in clocks],
            events=[_event_out(e, tz) for e in t.events or []],
            group_id=t.group_id, flags=Flags(**(t.flags or {})),
            voicemail=f"/tickets/{t.id}/voicemail" if t.voicemail_path else None)


    def masked(self) -> TicketOut:
        """The ticket as a role without the right to see customers' numbers gets it (R26)."""
        return self.model_copy(update={"customer": CustomerOut(
            number=mask_number(self.customer.number), name=mask_name(self.customer.name))})


def _event_out(event: dict[str, Any], tz: tzinfo) -> dict[str, Any]:
    out = dict(event)
    at = local_time(datetime.fromisoformat(event["at"]), tz)
    assert at is not None
    out["at"] = at.isoformat(timespec="milliseconds")
    return out


class TicketPage(BaseModel):
    items: list[TicketOut]
    total: int
    limit: int
    offset: int


class CallbackRequest(_In):
    agent: str = Field(pattern=r"^[0-9]{2,10}$", description="The agent's 工号")


class CallbackAccepted(BaseModel):
    callback_id: str
    ticket_id: int
