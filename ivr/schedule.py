"""Working hours and holidays (R7): is the hotline open at a given instant, and what kind of day
is it. Pure and stdlib-only (chinese_calendar is optional) because the same file runs inside
Asterisk's root for the pyst2 fallback AGI, on a different Python."""

from __future__ import annotations

import enum
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Span = tuple[time, time]


class DayKind(enum.StrEnum):
    WORKDAY = "workday"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"


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


def _statutory(day: date) -> tuple[bool | None, bool, str | None, str | None]:
    """(is_workday, is_holiday, name, warning) from chinese_calendar; None when unknown."""
    try:
        import chinese_calendar  # type: ignore[import-untyped]
    except ImportError:
        return None, False, None, "chinese_calendar is not installed: weekends only"
    try:
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
        return not is_holiday, bool(is_holiday), name, None
    except NotImplementedError:
        return None, False, None, (
            f"chinese_calendar does not cover {day.year}: weekends only, plus [holidays] dates"
        )


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


def local_time(schedule: Schedule, now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("the clock must give an aware datetime")
    return now.astimezone(ZoneInfo(schedule.timezone))
