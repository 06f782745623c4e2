"""Ticket clocks' calendar arithmetic (R15), as pure functions of domain.workcal and
domain.durations: working time (`wmin`, `wh`) is the open spans of the hotline's calendar,
working days (`wd`) end with the last open span of the Nth working day after the start day.
Property tests run across weekends, lunch breaks, statutory holidays, 调休 Saturdays and the
operator's extra closed/open dates."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from domain.durations import Duration, parse_duration
from domain.workcal import (
    Schedule,
    is_open_day,
    open_spans,
    working_days_after,
    working_time_after,
    working_time_between,
)

SH = ZoneInfo("Asia/Shanghai")
OFFICE = ["09:00-12:00", "13:00-18:00"]  # a lunch break 12:00-13:00
WEEK = {d: OFFICE for d in ("mon", "tue", "wed", "thu", "fri")}


def schedule(hours: dict[str, list[str]] | None = None, closed: tuple[str, ...] = (),
             open_: tuple[str, ...] = (), calendar: str = "cn") -> Schedule:
    return Schedule.from_dict({"timezone": "Asia/Shanghai", "hours": hours or WEEK,
                               "calendar": calendar, "closed": list(closed),
                               "open": list(open_)})


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


# -- examples, one per calendar feature --------------------------------------------------------
@pytest.mark.parametrize(("start", "duration", "due"), [
    ("2026-11-23T10:00", "10wmin", "2026-11-23T10:10"),          # inside a span
    ("2026-11-23T11:55", "10wmin", "2026-11-23T13:05"),          # across the lunch break
    ("2026-11-23T12:30", "10wmin", "2026-11-23T13:10"),          # started during lunch
    ("2026-11-23T17:30", "2wh", "2026-11-24T10:30"),             # across the night
    ("2026-11-27T17:30", "2wh", "2026-11-30T10:30"),             # across a weekend
    ("2026-09-30T17:30", "2wh", "2026-10-08T10:30"),             # across Golden Week
    ("2026-10-09T17:30", "1wh", "2026-10-10T09:30"),             # 调休 Saturday 10 Oct works
    ("2026-11-23T07:00", "3wmin", "2026-11-23T09:03"),           # before opening
    ("2026-11-23T11:00", "1wh", "2026-11-23T12:00"),             # ends on a span's end
    ("2026-11-23T10:00", "2wd", "2026-11-25T18:00"),             # end of the 2nd working day
    ("2026-11-27T10:00", "2wd", "2026-12-01T18:00"),             # Fri + 2wd skips the weekend
    ("2026-09-30T10:00", "2wd", "2026-10-09T18:00"),             # holidays do not count
    ("2026-10-09T10:00", "1wd", "2026-10-10T18:00"),             # the 调休 Saturday counts
    ("2026-10-03T10:00", "1wd", "2026-10-08T18:00"),             # started on a holiday
    ("2026-11-23T10:00", "24h", "2026-11-24T10:00"),             # wall clock
    ("2026-11-27T10:00", "3d", "2026-11-30T10:00"),              # wall clock over a weekend
    ("2026-11-23T10:00", "90min", "2026-11-23T11:30"),
    ("2026-11-23T10:00", "45s", "2026-11-23T10:00:45"),
])
def test_deadlines(start: str, duration: str, due: str) -> None:
    assert parse_duration(duration).due(schedule(), at(start)) == at(due)


def test_an_operators_closed_date_does_not_count_and_an_open_sunday_does() -> None:
    cal = schedule(closed=("2026-11-24",), open_=("2026-11-29",))  # a Tuesday; a Sunday
    assert parse_duration("2wh").due(cal, at("2026-11-23T17:30")) == at("2026-11-25T10:30")
    assert parse_duration("1wd").due(cal, at("2026-11-28T10:00")) == at("2026-11-29T18:00")
    assert parse_duration("30wmin").due(cal, at("2026-11-28T20:00")) == at("2026-11-29T09:30")


def test_a_weekend_with_its_own_hours_is_working_time() -> None:
    cal = schedule({**WEEK, "sat": ["10:00-14:00"]})
    assert parse_duration("2wh").due(cal, at("2026-11-27T17:30")) == at("2026-11-28T11:30")


@pytest.mark.parametrize("text", ["", "10", "wmin", "10 weeks", "1.5h", "-2wd", "0wmin",
                                  "10WMIN", "2 wd x"])
def test_malformed_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_durations_print_as_written() -> None:
    assert str(parse_duration(" 10wmin ")) == "10wmin"
    assert parse_duration("2wd") == Duration(2, "wd")


# -- properties --------------------------------------------------------------------------------
SPAN_SETS = [[], ["09:00-18:00"], OFFICE, ["08:30-11:30", "13:30-17:00"], ["00:00-24:00"],
             ["20:00-24:00"]]
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
dates_2026 = st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31))


@st.composite
def calendars(draw: st.DrawFn) -> Schedule:
    hours = {d: draw(st.sampled_from(SPAN_SETS)) for d in DAYS}
    assume(any(hours[d] for d in DAYS[:5]))  # a hotline that is open at some time
    closed = draw(st.lists(dates_2026, max_size=5))
    opened = draw(st.lists(dates_2026, max_size=3))
    return Schedule.from_dict({
        "timezone": "Asia/Shanghai", "hours": hours,
        "calendar": draw(st.sampled_from(["cn", "none"])),
        "closed": [d.isoformat() for d in closed],
        "open": [d.isoformat() for d in opened if d not in closed]})


starts = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 11, 30)
                      ).map(lambda d: d.replace(tzinfo=SH, microsecond=0))
amounts = st.integers(min_value=0, max_value=60 * 40).map(lambda m: timedelta(minutes=m))


@settings(max_examples=150, deadline=None)
@given(calendars(), starts, amounts)
def test_the_working_time_counted_up_to_a_deadline_is_the_amount(
        cal: Schedule, start: datetime, amount: timedelta) -> None:
    due = working_time_after(cal, start, amount)
    assert due >= start
    assert working_time_between(cal, start, due) == amount


@settings(max_examples=150, deadline=None)
@given(calendars(), starts, amounts.filter(bool))
def test_a_working_time_deadline_falls_in_or_at_the_end_of_an_open_span(
        cal: Schedule, start: datetime, amount: timedelta) -> None:
    due = working_time_after(cal, start, amount)
    spans = open_spans(cal, due.date())
    assert any(a < due <= b for a, b in spans)


@settings(max_examples=100, deadline=None)
@given(calendars(), starts, amounts, amounts)
def test_more_working_time_never_ends_earlier(cal: Schedule, start: datetime,
                                              a: timedelta, b: timedelta) -> None:
    low, high = sorted((a, b))
    assert working_time_after(cal, start, low) <= working_time_after(cal, start, high)


@settings(max_examples=150, deadline=None)
@given(calendars(), starts, st.integers(min_value=1, max_value=5))
def test_working_days_end_with_the_last_span_of_the_nth_open_day_after_the_start_day(
        cal: Schedule, start: datetime, n: int) -> None:
    due = working_days_after(cal, start, n)
    assert due == open_spans(cal, due.date())[-1][1]
    day, counted = start.date(), 0
    while day < due.date():
        day += timedelta(days=1)
        counted += is_open_day(cal, day)
    assert counted == n


@settings(max_examples=100, deadline=None)
@given(calendars(), starts, st.integers(min_value=1, max_value=3 * 86400))
def test_wall_clock_units_ignore_the_calendar(cal: Schedule, start: datetime,
                                              seconds: int) -> None:
    assert Duration(seconds, "s").due(cal, start) - start == timedelta(seconds=seconds)
    assert Duration(seconds, "min").due(cal, start) - start == timedelta(minutes=seconds)


@settings(max_examples=200, deadline=None)
@given(calendars(), starts, st.integers(min_value=1, max_value=48),
       st.sampled_from(["s", "min", "h", "d", "wmin", "wh", "wd"]))
def test_every_unit_gives_a_deadline_after_the_start_that_it_defines(
        cal: Schedule, start: datetime, amount: int, unit: str) -> None:
    duration = parse_duration(f"{amount}{unit}")
    due = duration.due(cal, start)
    assert due > start
    if duration.wall_clock is not None:
        assert due - start == duration.wall_clock
    elif unit in ("wmin", "wh"):
        per = 60 if unit == "wmin" else 3600
        assert working_time_between(cal, start, due) == timedelta(seconds=amount * per)
    else:  # the end of the last open span of the amount-th open day after the start day
        assert due == open_spans(cal, due.date())[-1][1]
        days = (due.date() - start.date()).days
        assert sum(is_open_day(cal, start.date() + timedelta(days=k))
                   for k in range(1, days + 1)) == amount
