"""The working calendar's statutory working days, which service clocks count (R15: "within 2
working days"), kept apart from the hotline's open hours (R7) that routing uses."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.workcal import (
    Schedule,
    add_working_days,
    is_working_day,
    open_at,
    working_days_between,
)

SH = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(("day", "working"), [
    (date(2026, 9, 30), True),    # Wednesday before National Day
    (date(2026, 10, 1), False),   # National Day, a Thursday
    (date(2026, 10, 7), False),   # still the Golden Week holiday, a Wednesday
    (date(2026, 10, 10), True),   # 调休: a Saturday made a working day
    (date(2026, 10, 11), False),  # an ordinary Sunday
])
def test_statutory_working_days_follow_chinas_calendar(day: date, working: bool) -> None:
    assert is_working_day(day) is working


def test_without_the_statutory_calendar_monday_to_friday_work() -> None:
    assert is_working_day(date(2026, 10, 1), "none")
    assert not is_working_day(date(2026, 10, 10), "none")


def test_two_working_days_skip_golden_week() -> None:
    start = datetime(2026, 9, 30, 15, 0, tzinfo=SH)
    assert add_working_days(start, 2) == datetime(2026, 10, 9, 15, 0, tzinfo=SH)


def test_a_clock_started_on_a_holiday_starts_with_the_next_working_day() -> None:
    start = datetime(2026, 10, 3, 15, 0, tzinfo=SH)
    assert add_working_days(start, 0) == datetime(2026, 10, 8, 0, 0, tzinfo=SH)
    assert add_working_days(start, 1) == datetime(2026, 10, 9, 0, 0, tzinfo=SH)


def test_a_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        add_working_days(datetime(2026, 10, 3, 15, 0), 1)


def test_working_days_between_counts_the_days_after_the_first() -> None:
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 12)) == 4  # 8, 9, 10, 12
    assert working_days_between(date(2026, 10, 12), date(2026, 9, 30)) == 0


def test_open_hours_are_not_working_days() -> None:
    # A statutory working day on which the operator closed the hotline: a ticket clock runs,
    # callers reach voicemail.
    schedule = Schedule.from_dict({"timezone": "Asia/Shanghai",
                                   "hours": {"mon": ["09:00-18:00"]},
                                   "closed": ["2026-11-23"]})
    monday = datetime(2026, 11, 23, 10, 0, tzinfo=SH)
    assert is_working_day(monday.date()) and not open_at(schedule, monday)
    assert open_at(schedule, monday + timedelta(days=7))


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 20)),
       st.integers(min_value=1, max_value=30))
def test_n_working_days_later_is_a_working_day_n_working_days_away(start: datetime,
                                                                   days: int) -> None:
    start = start.replace(tzinfo=SH)
    due = add_working_days(start, days)
    assert due > start and is_working_day(due.date())
    # Counted from the start's day, or from the working day a clock started on a day off
    # waits for.
    first = start.date()
    while not is_working_day(first):
        first += timedelta(days=1)
    assert working_days_between(first, due.date()) == days
