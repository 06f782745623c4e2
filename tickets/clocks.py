"""The service clocks of a ticket (R15), pure: from the ticket's facts and timeline, which
clocks apply, when each started, when it is due, and whether it was met or breached.

Clocks are recomputed from the timeline every time (never counted down), so a reopen, a
re-classification or a change of the configured deadlines gives the right answer at once."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.durations import Duration, parse_duration
from domain.status import (
    CallbackResult,
    ClockState,
    ComplaintKind,
    Severity,
    TicketCategory,
    TicketEventType,
)
from domain.workcal import Schedule
from tickets.lifecycle import CALLBACK_DONE

E = TicketEventType

CLOCK_KEYS = ("start", "react", "result_general", "result_major", "callback",
              "callback_assistance", "answer", "reply")


@dataclass(frozen=True)
class ClockRules:
    """[tickets.clocks], parsed."""

    durations: Mapping[str, Duration]

    @classmethod
    def from_mapping(cls, texts: Mapping[str, str]) -> ClockRules:
        return cls({key: parse_duration(texts[key]) for key in CLOCK_KEYS})

    def __getitem__(self, key: str) -> Duration:
        return self.durations[key]


@dataclass(frozen=True)
class Event:
    type: TicketEventType
    at: datetime
    result: CallbackResult | None = None


@dataclass(frozen=True)
class TicketFacts:
    accepted_at: datetime
    category: TicketCategory | None
    complaint_kind: ComplaintKind | None
    severity: Severity | None
    callback_chosen: bool  # an assistance complaint chosen for a callback
    events: Sequence[Event]


@dataclass(frozen=True)
class ClockView:
    name: str
    starts_at: datetime | None
    due_at: datetime | None
    state: ClockState
    met_at: datetime | None
    remaining_seconds: float | None

    @property
    def open_due(self) -> datetime | None:
        """The due time while the clock can still breach (started, not met)."""
        return self.due_at if self.met_at is None else None


def _first(events: Iterable[Event], types: set[TicketEventType], after: datetime,
           results: frozenset[CallbackResult] | None = None) -> datetime | None:
    for e in events:
        if e.type in types and e.at >= after and (results is None or e.result in results):
            return e.at
    return None


def _last(events: Sequence[Event], types: set[TicketEventType]) -> datetime | None:
    found = [e.at for e in events if e.type in types]
    return found[-1] if found else None


def _view(name: str, start: datetime | None, duration: Duration, met_types: set[E],
          t: TicketFacts, schedule: Schedule, now: datetime,
          results: frozenset[CallbackResult] | None = None) -> ClockView:
    if start is None:
        return ClockView(name, None, None, ClockState.PENDING, None, None)
    due = duration.due(schedule, start)
    met = _first(t.events, met_types, start, results)
    if met is not None:
        state = ClockState.MET if met <= due else ClockState.BREACHED
        return ClockView(name, start, due, state, met, None)
    state = ClockState.RUNNING if now <= due else ClockState.BREACHED
    return ClockView(name, start, due, state, None, (due - now).total_seconds())


def ticket_clocks(t: TicketFacts, rules: ClockRules, schedule: Schedule,
                  now: datetime) -> list[ClockView]:
    """Every clock that applies to the ticket as it stands (R15 table in README)."""
    ev = t.events
    complaint = t.category is TicketCategory.COMPLAINT
    responsible = complaint and t.complaint_kind is ComplaintKind.RESPONSIBLE
    assistance = complaint and t.complaint_kind is ComplaintKind.ASSISTANCE
    clocks = [_view("start", t.accepted_at, rules["start"], {E.START}, t, schedule, now)]
    if complaint and _last(ev, {E.ASSIGN}) is not None:
        assigned = _first(ev, {E.ASSIGN}, t.accepted_at)
        clocks.append(_view("react", assigned, rules["react"], {E.REACT}, t, schedule, now))
    if responsible:
        # A reopen, or a dissatisfied callback that reopened it (R17), starts it again.
        restarts = [e.at for e in ev if e.type is E.REOPEN or (
            e.type is E.CALLBACK and e.result is CallbackResult.DISSATISFIED)]
        start = restarts[-1] if restarts else t.accepted_at
        key = "result_major" if t.severity is Severity.MAJOR else "result_general"
        clocks.append(_view("result", start, rules[key], {E.RESOLVE}, t, schedule, now))
    if responsible or (assistance and t.callback_chosen):
        key = "callback" if responsible else "callback_assistance"
        clocks.append(_view("callback", _last(ev, {E.RESOLVE}), rules[key], {E.CALLBACK},
                            t, schedule, now, CALLBACK_DONE))
    if t.category is TicketCategory.INQUIRY:
        clocks.append(_view("answer", t.accepted_at, rules["answer"], {E.RESOLVE}, t,
                            schedule, now))
    clocks.append(_view("reply", t.accepted_at, rules["reply"],
                        {E.REPLY, E.CALLBACK, E.RESOLVE}, t, schedule, now))
    return clocks


def callback_owed(clocks: Sequence[ClockView]) -> bool:
    """A callback clock that has started and is not met blocks closing the ticket."""
    return any(c.name == "callback" and c.starts_at is not None and c.met_at is None
               for c in clocks)


def choose_for_callback(already_chosen: int, total_with_this: int, share: float) -> bool:
    """Whether the next assistance complaint of a month is called back (R15: at least `share`
    of them): chosen while fewer than ceil(share * n) of the month's first n were. The same
    sequence of tickets always gives the same choices, and every prefix of a month meets the
    share."""
    return already_chosen < math.ceil(share * total_with_this - 1e-9)
