"""The working calendar, shared by routing and by service clocks. Two questions are kept apart:

- **Statutory working days** (`is_working_day`, `add_working_days`, `working_days_between`):
  China's calendar with its holidays and 调休 makeup days. Service clocks such as "a result
  within 2 working days" (R15) count these; the hotline's opening hours do not matter to them.
- **Hotline open hours** (`Schedule`, `classify`, `is_open`, `open_at`): when agents take calls
  (R7), which adds the operator's own closed and open dates and the configured hours.

Pure and stdlib-only (chinese_calendar is optional) because the same file runs inside
Asterisk's root for the pyst2 fallback AGI, on a different Python."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain.status import DayKind

__all__ = [
    "WEEKDAYS",
    "DayInfo",
    "DayKind",
    "Schedule",
    "Span",
    "add_working_days",
    "calendar_warnings",
    "classify",
    "is_open",
    "is_open_day",
    "is_working_day",
    "local_time",
    "open_at",
    "open_spans",
    "parse_span",
    "working_days_after",
    "working_days_between",
    "working_time_after",
    "working_time_between",
]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Span = tuple[time, time]

# A year of days is the most any service clock looks ahead; a loop over days stops there.
_MAX_DAYS = 400

_SPAN = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


def parse_span(text: str) -> Span:
    """'09:00-12:00' -> (09:00, 12:00); '24:00' is allowed as an end. ValueError otherwise."""
    m = _SPAN.match(text.strip())
    if not m:
        raise ValueError(f"{text!r} is not HH:MM-HH:MM")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2 != 0):
        raise ValueError(f"{text!r} has an impossible time")
    start = time(h1, m1)
    end = time(23, 59, 59, 999999) if h2 == 24 else time(h2, m2)
    if end <= start:
        raise ValueError(f"{text!r} ends before it starts")
    return start, end


# -- statutory working days (ticket clocks) -----------------------------------------------------
def _statutory(day: date) -> tuple[bool | None, bool, str | None, str | None]:
    """(is_workday, is_holiday, name, warning) from chinese_calendar; None when unknown."""
    try:
        import chinese_calendar
    except ImportError:
        return None, False, None, "chinese_calendar is not installed: weekends only"
    try:
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
        return not is_holiday, bool(is_holiday), name, None
    except NotImplementedError:
        return None, False, None, (
            f"chinese_calendar does not cover {day.year}: weekends only, plus [holidays] dates"
        )


def is_working_day(day: date, calendar: str = "cn") -> bool:
    """A statutory working day: Monday to Friday unless a public holiday, plus 调休 makeup
    Saturdays and Sundays. calendar "none" (or a year the calendar does not cover): Monday to
    Friday."""
    if calendar == "cn":
        workday, _holiday, _name, _warning = _statutory(day)
        if workday is not None:
            return workday
    return day.weekday() < 5


def add_working_days(start: datetime, days: int, calendar: str = "cn") -> datetime:
    """The instant `days` statutory working days after `start`, at the same local time of day
    (R15: "within 2 working days"). A clock started on a day off starts at 00:00 of the next
    working day. `start` must be aware; its own zone is the company's."""
    if start.tzinfo is None:
        raise ValueError("a service clock needs an aware start time")
    if days < 0:
        raise ValueError("days must be >= 0")
    current = start
    if not is_working_day(current.date(), calendar):
        current = datetime.combine(_next_working_day(current.date(), calendar), time(0),
                                   start.tzinfo)
    day = current.date()
    for _ in range(days):
        day = _next_working_day(day, calendar)
    return datetime.combine(day, current.timetz())


def working_days_between(first: date, last: date, calendar: str = "cn") -> int:
    """Working days after `first` up to and including `last` (0 when last <= first)."""
    count, day = 0, first
    while day < last:
        day += timedelta(days=1)
        count += is_working_day(day, calendar)
    return count


def _next_working_day(day: date, calendar: str) -> date:
    for _ in range(_MAX_DAYS):
        day += timedelta(days=1)
        if is_working_day(day, calendar):
            return day
    raise ValueError(f"no working day within {_MAX_DAYS} days of {day}")


# -- hotline open hours (routing) ---------------------------------------------------------------
@dataclass(frozen=True)
class Schedule:
    """Everything the decision needs, in a JSON-able form (written into Asterisk's root)."""

    timezone: str
    hours: dict[str, tuple[Span, ...]]
    calendar: str = "cn"  # "cn": China's statutory calendar with 调休; "none": weekdays only
    closed: frozenset[date] = field(default_factory=frozenset)
    open: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Schedule:
        return cls(
            timezone=d["timezone"],
            hours={day: tuple(parse_span(s) for s in d["hours"].get(day, [])) for day in WEEKDAYS},
            calendar=d.get("calendar", "cn"),
            closed=frozenset(date.fromisoformat(x) for x in d.get("closed", [])),
            open=frozenset(date.fromisoformat(x) for x in d.get("open", [])),
        )

    def to_dict(self) -> dict[str, Any]:
        def fmt(span: Span) -> str:
            end = "24:00" if span[1] == time(23, 59, 59, 999999) else span[1].strftime("%H:%M")
            return f"{span[0].strftime('%H:%M')}-{end}"

        return {
            "timezone": self.timezone,
            "hours": {day: [fmt(s) for s in self.hours.get(day, ())] for day in WEEKDAYS},
            "calendar": self.calendar,
            "closed": sorted(d.isoformat() for d in self.closed),
            "open": sorted(d.isoformat() for d in self.open),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    @property
    def makeup_hours(self) -> tuple[Span, ...]:
        """Hours of a weekend day made into a workday (调休): the first weekday's schedule."""
        for day in WEEKDAYS[:5]:
            if self.hours.get(day):
                return self.hours[day]
        return ()


@dataclass(frozen=True)
class DayInfo:
    kind: DayKind
    hours: tuple[Span, ...]
    holiday_name: str | None = None
    warning: str | None = None  # set when the calendar could not answer for this date


def classify(schedule: Schedule, day: date) -> DayInfo:
    weekday = WEEKDAYS[day.weekday()]
    own = schedule.hours.get(weekday, ())
    weekend = day.weekday() >= 5
    # Operator's explicit dates beat the calendar.
    if day in schedule.closed:
        return DayInfo(DayKind.HOLIDAY, ())
    if day in schedule.open:
        return DayInfo(DayKind.WORKDAY, own or schedule.makeup_hours)
    if schedule.calendar == "cn":
        workday, holiday, name, warning = _statutory(day)
        if holiday and name:  # a statutory holiday (a plain weekend has no name)
            return DayInfo(DayKind.HOLIDAY, (), holiday_name=name)
        if workday and weekend:  # 调休 makeup working day
            return DayInfo(DayKind.WORKDAY, own or schedule.makeup_hours, holiday_name=name)
        if warning:
            return DayInfo(DayKind.WEEKEND if weekend else DayKind.WORKDAY, own, warning=warning)
    return DayInfo(DayKind.WEEKEND if weekend else DayKind.WORKDAY, own)


def calendar_warnings(schedule: Schedule, today: date) -> list[str]:
    """What an operator must hear at start: years (this one and the next) the statutory
    calendar cannot answer for, where the decision falls back to weekends only."""
    if schedule.calendar != "cn":
        return []
    warnings = []
    for year in (today.year, today.year + 1):
        warning = _statutory(date(year, 6, 1))[3]
        if warning:
            warnings.append(warning)
    return warnings


def is_open(info: DayInfo, at: time) -> bool:
    return any(start <= at < end for start, end in info.hours)


def open_at(schedule: Schedule, now: datetime) -> bool:
    """Is the hotline staffed at this instant (R7)?"""
    local = local_time(schedule, now)
    return is_open(classify(schedule, local.date()), local.time())


def local_time(schedule: Schedule, now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("the clock must give an aware datetime")
    return now.astimezone(ZoneInfo(schedule.timezone))


# -- working time of the hotline's calendar (ticket clocks, R15) -----------------------------
# "Working time" is the open spans of the Schedule: [hours], statutory holidays closed, 调休
# days open, the operator's closed/open dates. A lunch break between two spans does not count.
def open_spans(schedule: Schedule, day: date) -> list[tuple[datetime, datetime]]:
    """The day's open spans as aware instants in the company's zone, in order."""
    zone = ZoneInfo(schedule.timezone)
    return [(datetime.combine(day, start, zone), datetime.combine(day, end, zone))
            for start, end in sorted(classify(schedule, day).hours)]


def working_time_after(schedule: Schedule, start: datetime, amount: timedelta) -> datetime:
    """The instant when `amount` of working time has passed since `start`. Time before the
    first open span (evenings, weekends, holidays) does not count; a deadline that falls
    exactly on the end of a span is that end, not the start of the next span."""
    if amount < timedelta(0):
        raise ValueError("a working-time amount must be >= 0")
    local = local_time(schedule, start)
    if amount == timedelta(0):
        return local
    left, day = amount, local.date()
    for _ in range(_MAX_DAYS):
        for span_start, span_end in open_spans(schedule, day):
            if span_end <= local:
                continue
            begin = max(span_start, local)
            if begin + left <= span_end:
                return begin + left
            left -= span_end - begin
        day += timedelta(days=1)
    raise ValueError(f"no {amount} of working time within {_MAX_DAYS} days of {start}")


def working_time_between(schedule: Schedule, first: datetime, last: datetime) -> timedelta:
    """Working time inside [first, last] (zero when last <= first)."""
    a, b = local_time(schedule, first), local_time(schedule, last)
    total, day = timedelta(0), a.date()
    while day <= b.date():
        for span_start, span_end in open_spans(schedule, day):
            overlap = min(span_end, b) - max(span_start, a)
            if overlap > timedelta(0):
                total += overlap
        day += timedelta(days=1)
    return total


def is_open_day(schedule: Schedule, day: date) -> bool:
    """A working day of the hotline's calendar: one with at least one open span."""
    return bool(classify(schedule, day).hours)


def working_days_after(schedule: Schedule, start: datetime, days: int) -> datetime:
    """The end of the last open span of the `days`-th working day after the day `start` falls
    on (that day itself never counts), R15's "within 2 working days"."""
    if days < 1:
        raise ValueError("working days must be >= 1")
    day, found = local_time(schedule, start).date(), 0
    for _ in range(_MAX_DAYS):
        day += timedelta(days=1)
        if is_open_day(schedule, day):
            found += 1
            if found == days:
                return open_spans(schedule, day)[-1][1]
    raise ValueError(f"no {days} working days within {_MAX_DAYS} days of {start}")
