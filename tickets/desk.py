"""The ticket desk: creates tickets and applies events, one transaction each, using the pure
rules (lifecycle, clocks, major). After every change `settle` brings the derived fields up to
date: severity and major reason (R14), the assistance callback choice (R15), the clocks'
summary the list query uses (`breached`, `next_due_at`), and the breach outbox."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from callrecords.models import Call
from callrecords.store import CallStore
from domain.clock import Clock
from domain.durations import Duration, parse_duration
from domain.status import (
    CallbackResult,
    ClockState,
    ComplaintKind,
    MajorReason,
    Severity,
    TicketCategory,
    TicketEventType,
    TicketStatus,
)
from domain.workcal import Schedule, local_time
from settings import Settings
from settings.policy import schedule_from_settings
from settings.schema import Tickets as TicketSettings
from tickets.clocks import (
    ClockRules,
    ClockView,
    Event,
    TicketFacts,
    callback_owed,
    choose_for_callback,
    ticket_clocks,
)
from tickets.errors import InvalidClassification, TransitionInvalid, UnknownCall
from tickets.lifecycle import TransitionRefused, next_status
from tickets.major import Complaint, collective_members, flag_reason, unresolved_too_long
from tickets.models import BreachNotice, Ticket
from tickets.stats import TicketLine
from tickets.store import TicketStore, utc

log = logging.getLogger("hotline.tickets")
E = TicketEventType

SYSTEM = "system"


@dataclass(frozen=True)
class TicketRules:
    clocks: ClockRules
    collective_min_customers: int
    collective_window: Duration
    major_after: Duration
    callback_assistance_share: float

    @classmethod
    def of(cls, s: TicketSettings) -> TicketRules:
        return cls(ClockRules.from_mapping(s.clocks.model_dump()), s.collective_min_customers,
                   parse_duration(s.collective_window), parse_duration(s.major_after),
                   s.callback_assistance_share)


def facts(t: Ticket) -> TicketFacts:
    return TicketFacts(
        accepted_at=utc(t.accepted_at),
        category=TicketCategory(t.category) if t.category else None,
        complaint_kind=ComplaintKind(t.complaint_kind) if t.complaint_kind else None,
        severity=Severity(t.severity) if t.severity else None,
        callback_chosen=bool(t.callback_chosen),
        events=[Event(E(e["type"]), datetime.fromisoformat(e["at"]),
                      CallbackResult(e["result"]) if e["type"] == E.CALLBACK else None)
                for e in t.events or []])


def line_of(t: Ticket, clocks: list[ClockView]) -> TicketLine:
    return TicketLine(
        category=t.category, cause=t.cause, complaint_kind=t.complaint_kind,
        severity=t.severity, status=t.status, accepted_at=utc(t.accepted_at),
        resolved_at=None if t.resolved_at is None else utc(t.resolved_at),
        callbacks=[CallbackResult(e["result"]) for e in t.events or []
                   if e["type"] == E.CALLBACK],
        clocks=clocks)


def stamp(now: datetime) -> str:
    return now.astimezone(UTC).isoformat(timespec="microseconds")


class TicketDesk:
    def __init__(self, store: TicketStore, rules: TicketRules, schedule: Schedule,
                 clock: Clock) -> None:
        self.store, self.rules, self.schedule, self.clock = store, rules, schedule, clock

    def clocks(self, t: Ticket, now: datetime | None = None) -> list[ClockView]:
        return ticket_clocks(facts(t), self.rules.clocks, self.schedule, now or self.clock())

    # -- writes ------------------------------------------------------------------------------
    def create(self, data: dict[str, Any], by: str, agent: str | None) -> Ticket:
        now = self.clock()
        accepted = data.get("accepted_at") or now
        customer = data.get("customer") or {}
        with self.store.transaction() as session:
            self._check_calls(session, data.get("call_ids") or [])
            t = Ticket(
                category=data.get("category"), cause=data.get("cause"),
                complaint_kind=data.get("complaint_kind"), severity=data.get("severity"),
                matter=data.get("matter"), subject=data.get("subject") or "",
                description=data.get("description") or "",
                customer_number=customer.get("number", ""),
                customer_name=customer.get("name", ""), channel=data.get("channel", "phone"),
                status=TicketStatus.NEW, accepted_at=accepted.astimezone(UTC), created_by=by,
                creator_agent=agent, assignee=None,
                flags=dict(data.get("flags") or {}),
                call_ids=sorted(set(data.get("call_ids") or [])),
                events=[{"type": E.CREATED, "at": stamp(now), "by": by}],
                callback_chosen=False, breached=False,
                voicemail_path=data.get("voicemail_path"),
                voicemail_msg_id=data.get("voicemail_msg_id"))
            self._check_kind(t)
            session.add(t)
            session.flush()
            if data.get("assignee"):
                t.assignee = data["assignee"]
                t.events = [*t.events, {"type": E.ASSIGN, "at": stamp(now), "by": by,
                                        "assignee": data["assignee"]}]
            self._settle(session, t, now, was_assistance=False)
            return t

    def apply(self, ticket_id: int, event: dict[str, Any], by: str) -> Ticket | None:
        """Applies one posted event; None if there is no such ticket."""
        now = self.clock()
        kind = E(event["type"])
        with self.store.transaction() as session:
            t = self.store.lock(session, ticket_id)
            if t is None:
                return None
            status = TicketStatus(t.status)
            owed = callback_owed(self.clocks(t, now)) if kind is E.CLOSE else False
            result = CallbackResult(event["result"]) if kind is E.CALLBACK else None
            try:
                new_status = next_status(status, kind, result=result, callback_owed=owed)
            except TransitionRefused as e:
                raise TransitionInvalid(str(e), {"status": e.status.value,
                                                 "event": e.event.value,
                                                 "reason": e.reason}) from e
            was_assistance = self._assistance(t)
            record = {k: v for k, v in event.items() if v is not None}
            self._apply_fields(session, t, kind, event)
            t.status = new_status
            if kind is E.RESOLVE:
                t.resolved_at = now.astimezone(UTC)
            t.events = [*t.events, {**record, "at": stamp(now), "by": by}]
            self._settle(session, t, now, was_assistance)
            return t

    def record(self, ticket_id: int, event: dict[str, Any], call_id: int | None = None) -> None:
        """An event written by the product (callback_call, callback_failed): no transition."""
        now = self.clock()
        with self.store.transaction() as session:
            t = self.store.lock(session, ticket_id)
            if t is None:
                return
            if call_id is not None and call_id not in (t.call_ids or []):
                t.call_ids = sorted({*(t.call_ids or []), call_id})
            t.events = [*t.events, {**event, "at": stamp(now), "by": SYSTEM}]
            self._settle(session, t, now, self._assistance(t))

    def refresh(self, ticket_id: int) -> None:
        """Re-settles one ticket at the clock's now: marks breaches, escalates a month
        unresolved (the watcher calls this for tickets whose next due time has come)."""
        now = self.clock()
        with self.store.transaction() as session:
            t = self.store.lock(session, ticket_id)
            if t is not None:
                self._settle(session, t, now, self._assistance(t))

    # -- the rules ---------------------------------------------------------------------------
    def _apply_fields(self, session: Session, t: Ticket, kind: E, event: dict[str, Any]) -> None:
        if kind is E.CLASSIFY:
            for name in ("category", "cause", "complaint_kind", "severity", "matter"):
                if event.get(name) is not None:
                    setattr(t, name, event[name])
            if event.get("flags") is not None:
                t.flags = {**(t.flags or {}), **event["flags"]}
            if t.category != TicketCategory.COMPLAINT and event.get("complaint_kind") is None:
                t.complaint_kind = None  # re-triaged away from a complaint
            self._check_kind(t)
        elif kind is E.ASSIGN:
            t.assignee = event["assignee"]
        elif kind is E.CALLBACK and event.get("call_id") is not None:
            self._check_calls(session, [event["call_id"]])
            t.call_ids = sorted({*(t.call_ids or []), event["call_id"]})

    @staticmethod
    def _check_kind(t: Ticket) -> None:
        if t.complaint_kind is not None and t.category != TicketCategory.COMPLAINT:
            raise InvalidClassification(details={"category": t.category,
                                                 "complaint_kind": t.complaint_kind})

    @staticmethod
    def _check_calls(session: Session, call_ids: list[int]) -> None:
        if not call_ids:
            return
        found = set(session.scalars(select(Call.id).where(Call.id.in_(call_ids))))
        missing = sorted(set(call_ids) - found)
        if missing:
            raise UnknownCall(details={"call_ids": missing})

    @staticmethod
    def _assistance(t: Ticket) -> bool:
        return (t.category == TicketCategory.COMPLAINT
                and t.complaint_kind == ComplaintKind.ASSISTANCE)

    @staticmethod
    def _responsible(t: Ticket) -> bool:
        return (t.category == TicketCategory.COMPLAINT
                and t.complaint_kind == ComplaintKind.RESPONSIBLE)

    def _settle(self, session: Session, t: Ticket, now: datetime, was_assistance: bool) -> None:
        if self._responsible(t):
            if t.severity is None:
                t.severity = Severity.GENERAL
            reason = flag_reason(t.flags or {})
            deadline = self.rules.major_after.due(self.schedule, utc(t.accepted_at))
            resolved = t.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED)
            if reason is None and unresolved_too_long(utc(t.accepted_at), deadline, resolved,
                                                      now):
                reason = MajorReason.UNRESOLVED_MONTH
            if reason is not None:
                self._make_major(t, reason, now)
            if t.matter:
                self._collective(session, t, now)
        if self._assistance(t) and not was_assistance:
            t.callback_chosen = self._choose_callback(session, t)
        self._summarise(session, t, now)

    def _make_major(self, t: Ticket, reason: MajorReason, now: datetime,
                    group_id: str | None = None) -> None:
        if group_id is not None:
            t.group_id = group_id
        if t.severity == Severity.MAJOR and t.major_reason is not None:
            return
        t.severity, t.major_reason = Severity.MAJOR, reason
        event: dict[str, Any] = {"type": E.MAJOR, "at": stamp(now), "by": SYSTEM,
                                 "reason": reason.value}
        if group_id is not None:
            event["group_id"] = group_id
        t.events = [*(t.events or []), event]

    def _collective(self, session: Session, t: Ticket, now: datetime) -> None:
        at = utc(t.accepted_at)
        window = self.rules.collective_window
        reach = window.due(self.schedule, at) - at
        if window.wall_clock is None:
            reach += timedelta(days=60)  # working time: a window may span a long holiday
        others = session.scalars(select(Ticket).where(
            Ticket.matter == t.matter, Ticket.id != t.id,
            Ticket.category == TicketCategory.COMPLAINT,
            Ticket.complaint_kind == ComplaintKind.RESPONSIBLE,
            Ticket.accepted_at >= at - reach, Ticket.accepted_at <= at + reach)).all()
        members = collective_members(
            Complaint(t.id, t.customer_number, at),
            [Complaint(o.id, o.customer_number, utc(o.accepted_at)) for o in others],
            lambda start: window.due(self.schedule, start), self.rules.collective_min_customers)
        if not members:
            return
        group = [t, *(o for o in others if o.id in members)]
        group_id = next((g.group_id for g in sorted(group, key=lambda g: g.id) if g.group_id),
                        None) or f"collective-{min(members)}"
        for member in group:
            self._make_major(member, MajorReason.COLLECTIVE, now, group_id)
            if member is not t:
                self._summarise(session, member, now)

    def _choose_callback(self, session: Session, t: Ticket) -> bool:
        """R15: at least callback_assistance_share of each month's assistance complaints."""
        local = local_time(self.schedule, utc(t.accepted_at))
        first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        after = (first + timedelta(days=32)).replace(day=1)
        month = (Ticket.accepted_at >= first.astimezone(UTC),
                 Ticket.accepted_at < after.astimezone(UTC), Ticket.id != t.id,
                 Ticket.category == TicketCategory.COMPLAINT,
                 Ticket.complaint_kind == ComplaintKind.ASSISTANCE)
        total = session.scalar(select(func.count(Ticket.id)).where(*month)) or 0
        chosen = session.scalar(select(func.count(Ticket.id)).where(
            *month, Ticket.callback_chosen.is_(True))) or 0
        return choose_for_callback(chosen, total + 1, self.rules.callback_assistance_share)

    def _summarise(self, session: Session, t: Ticket, now: datetime) -> None:
        """The clocks' summary for the list query, and one outbox row per breach."""
        clocks = self.clocks(t, now)
        breached = [c for c in clocks if c.state is ClockState.BREACHED]
        t.breached = bool(breached)
        dues = [c.open_due for c in clocks if c.state is ClockState.RUNNING and c.open_due]
        if self._responsible(t) and t.severity != Severity.MAJOR and t.status not in (
                TicketStatus.RESOLVED, TicketStatus.CLOSED):
            dues.append(self.rules.major_after.due(self.schedule, utc(t.accepted_at)))
        t.next_due_at = min(dues).astimezone(UTC) if dues else None
        for c in breached:
            if c.due_at is not None:
                self._enqueue(session, t.id, c.name, c.due_at, now)

    @staticmethod
    def _enqueue(session: Session, ticket_id: int, clock: str, due: datetime,
                 now: datetime) -> None:
        exists = session.scalar(select(BreachNotice.id).where(
            BreachNotice.ticket_id == ticket_id, BreachNotice.clock == clock,
            BreachNotice.due_at == due.astimezone(UTC)))
        if exists is None:
            try:
                with session.begin_nested():
                    session.add(BreachNotice(ticket_id=ticket_id, clock=clock,
                                             due_at=due.astimezone(UTC),
                                             created_at=now.astimezone(UTC), attempts=0,
                                             next_attempt_at=now.astimezone(UTC)))
            except IntegrityError:
                pass  # written by a concurrent settle of the same ticket: once per breach


def desk_from_settings(settings: Settings, calls: CallStore, clock: Clock) -> TicketDesk:
    return TicketDesk(TicketStore(calls), TicketRules.of(settings.tickets),
                      schedule_from_settings(settings), clock)
