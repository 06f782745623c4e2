"""The pure sampling rules (qa/sampling.py), with hypothesis where a property says more than
examples."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qa.sampling import (
    HandledCall,
    SamplingRules,
    is_exempt,
    missed_periods,
    neighbours_of,
    normal_quota,
    period_key,
    pick,
    previous_month,
    split,
    tally,
)
from settings import ConfigError, load_settings

ZONE = ZoneInfo("Asia/Shanghai")
RULES = SamplingRules()


@given(st.integers(0, 10**6), st.floats(0.001, 1), st.integers(0, 20))
def test_quota_is_the_ceiling_at_least_the_minimum(handled: int, rate: float, least: int) -> None:
    rules = SamplingRules(sample_rate=rate, min_per_agent=least)
    quota = normal_quota(handled, rules)
    if handled == 0:
        assert quota == 0
    else:
        assert quota >= least and quota >= math.ceil(rate * handled - 1e-6)
        assert quota <= max(least, math.ceil(rate * handled + 1e-6))


def test_quota_examples() -> None:
    assert [normal_quota(n, RULES) for n in (0, 1, 99, 100, 101, 300, 700)] == [
        0, 1, 1, 1, 2, 3, 7]


@given(st.integers(0, 1000), st.floats(0, 1))
def test_split_adds_up(quota: int, share: float) -> None:
    live, post = split(quota, share)
    assert live + post == quota and 0 <= live <= quota
    assert live == math.floor(quota * share + 0.5)


def test_split_examples() -> None:
    assert [split(q, 0.3) for q in (1, 2, 3, 5, 7, 10)] == [
        (0, 1), (1, 1), (1, 2), (2, 3), (2, 5), (3, 7)]


def test_exemption_lasts_one_month() -> None:
    full = {"2026-01", "2026-02", "2026-03", "2026-04", "2026-05"}
    verdicts = [is_exempt(m, full, RULES) for m in
                ("2026-02", "2026-03", "2026-04", "2026-05", "2026-06", "2026-07")]
    # Jan+Feb full -> March exempt; April normal (March was exempt); May normal (March was
    # exempt); June exempt again (April and May full, neither exempt).
    assert verdicts == [False, True, False, False, True, False]


def test_previous_month_crosses_the_year() -> None:
    assert previous_month("2026-01") == "2025-12" and previous_month("2026-03", 3) == "2025-12"


def _call(n: int, agent: str = "2001", talk: float = 60) -> HandledCall:
    return HandledCall(n, f"l.{n}", agent, datetime(2026, 10, 1, 9, tzinfo=ZONE)
                       + timedelta(minutes=n), talk, True)


@given(st.permutations(list(range(50))), st.integers(0, 50))
def test_picks_do_not_depend_on_the_order_read(order: list[int], count: int) -> None:
    calls = [_call(n) for n in order]
    picked = pick(calls, count, "2026-10", "r18")
    assert picked == pick(sorted(calls, key=lambda c: c.call_id), count, "2026-10", "r18")
    assert len(picked) == min(count, 50)


def test_missed_periods_by_answer_rate() -> None:
    at = datetime(2026, 10, 14, 10, 0, tzinfo=ZONE)
    entries = [(at + timedelta(minutes=m), m % 5 != 0) for m in range(60)]
    entries += [(at + timedelta(hours=1, minutes=m), m % 3 != 0) for m in range(60)]
    # 10:00: 48/60 = 0.8 meets the target; 11:00: 40/60 misses it.
    assert missed_periods(tally(entries, 60), RULES) == {period_key(at, 60) + 1}
    # Half-hour periods: 10:30-11:00 has 24/30 = 0.8, 11:00-11:30 20/30: missed.
    assert missed_periods(tally(entries, 30), RULES) == {period_key(at, 30) + 2,
                                                         period_key(at, 30) + 3}


def test_neighbours_by_answer_time() -> None:
    calls = [_call(n) for n in (5, 1, 3, 2, 4)]
    assert [c.call_id for c in neighbours_of(3, calls, 1)] == [2, 4]
    assert [c.call_id for c in neighbours_of(1, calls, 2)] == [2, 3]


def test_qa_settings_are_checked_naming_the_key() -> None:
    assert load_settings(environ={}).qa.period == "1h"
    for key, value in (("PERIOD", "7m"), ("PERIOD", "hourly"), ("SAMPLE_RATE", "0"),
                       ("LIVE_SHARE", "1.5"), ("SAMPLE_SIZE", "3")):
        with pytest.raises(ConfigError) as refused:
            load_settings(environ={f"HOTLINE_QA__{key}": value})
        assert f"qa.{key.lower()}" in str(refused.value)
