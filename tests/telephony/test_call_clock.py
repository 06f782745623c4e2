"""Issue 12: a call's own routing time (X-Hotline-Clock, as `demo-call --at` and this suite send
it) routes that call only. While such a call is in progress, another caller is routed by the
real clock; and `hotline demo-call --at` with a time without an offset is read in the
company's time zone, not refused by the routing and not applied to anyone else."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from settings.policy import policy_from_settings
from tests.telephony.conftest import WORKING_HOURS, Hotline

pytestmark = pytest.mark.asterisk

HOLIDAY = "2026-10-01T10:00:00+08:00"  # National Day


def _route_of(hotline: Hotline, mark: int, caller: str) -> dict[str, Any]:
    return hotline.ami.wait_for(mark, lambda e: e.get("UserEvent") == "HotlineRoute"
                                and e.get("CallerIDNum") == caller)


def test_a_calls_clock_does_not_route_other_callers(hotline: Hotline, phones) -> None:
    phones("1001")
    policy = policy_from_settings(hotline.settings, "")
    real = policy.decide(datetime.now(UTC)).route.value
    # The demo's time is one whose route differs from the real clock's, so a leak shows.
    demo_at = HOLIDAY if real != "holiday" else WORKING_HOURS
    demo_route = "holiday" if demo_at == HOLIDAY else "agent"
    mark = hotline.ami.mark()
    demo = threading.Thread(target=hotline.call, args=("13900000401", 10, demo_at))
    demo.start()
    try:
        assert _route_of(hotline, mark, "13900000401")["Route"] == demo_route
        # The demo call is still in progress: a real caller now, with no header of its own.
        hotline.call("13900000402", talk_seconds=3, at="")
        other = _route_of(hotline, mark, "13900000402")
        assert other["Route"] == real and other["Decider"] == "fastagi"
    finally:
        demo.join(timeout=60)


def test_naive_time_is_read_in_the_company_zone(hotline: Hotline, phones) -> None:
    """10:00 without an offset is 10:00 in Shanghai (open); read as UTC it would be 18:00."""
    phones("1001")
    mark = hotline.ami.mark()
    since = time.time()
    result, _ = hotline.call("13900000403", talk_seconds=5, at="2026-11-23T10:00:00")
    assert result.completed, result.output
    assert _route_of(hotline, mark, "13900000403")["Route"] == "agent"
    record = hotline.api.wait_record("13900000403", since)
    assert record["decided_by"] == "fastagi" and record["disposition"] == "answered"
