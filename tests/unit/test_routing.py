"""The routing decision (R2, R3, R7) with China's calendar, made on an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.policy import RoutingPolicy, clock_args, parse_clock_override, peer_in
from domain.routing import decide
from domain.workcal import DayKind, Schedule, classify
from settings import load_settings
from settings.policy import policy_from_settings

SH = ZoneInfo("Asia/Shanghai")


def schedule(**over: object) -> Schedule:
    base: dict[str, object] = {"timezone": "Asia/Shanghai",
            "hours": {d: ["09:00-12:00", "13:00-18:00"] for d in ("mon", "tue", "wed", "thu",
                                                                  "fri")},
            "calendar": "cn", "closed": ["2026-12-24"], "open": []}
    base.update(over)
    return Schedule.from_dict(base)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


@pytest.mark.parametrize(("when", "route", "first_prompt"), [
    ("2026-11-23T09:00", "agent", "greeting"),            # Monday, opening minute
    ("2026-11-23T11:59", "agent", "greeting"),
    ("2026-11-23T12:30", "after_hours", "after_hours"),   # lunch break
    ("2026-11-23T18:00", "after_hours", "after_hours"),   # closing minute is closed
    ("2026-11-23T08:59", "after_hours", "after_hours"),
    ("2026-11-21T10:00", "after_hours", "weekend_greeting"),  # Saturday
    ("2026-10-01T10:00", "holiday", "holiday_greeting"),  # National Day, a Thursday
    ("2026-10-10T10:00", "agent", "greeting"),            # 调休: Saturday made a workday
    ("2026-02-14T10:00", "agent", "greeting"),            # 调休 Saturday before Spring Festival
    ("2026-12-24T10:00", "holiday", "holiday_greeting"),  # operator's extra closed date
])
def test_decision(when: str, route: str, first_prompt: str) -> None:
    d = decide(schedule(), at(when))
    assert d.route == route
    assert d.prompts[0] == first_prompt
    if route != "agent":
        assert d.prompts[-1] == "voicemail"  # R7: never unattended


def test_forward_to_on_duty_mobile_out_of_hours() -> None:
    d = decide(schedule(), at("2026-10-01T10:00"), forward_to="13800000000")
    assert d.route == "forward" and d.forward_to == "13800000000"
    assert d.closed_reason == "holiday" and d.prompts[-1] == "forwarding"
    assert decide(schedule(), at("2026-11-23T10:00"), "13800000000").route == "agent"


def test_extra_open_date_uses_weekday_hours() -> None:
    s = schedule(open=["2026-11-22"])  # a Sunday opened by the operator
    assert decide(s, at("2026-11-22T10:00")).route == "agent"
    assert decide(s, at("2026-11-22T12:30")).route == "after_hours"


def test_year_beyond_the_calendar_falls_back_to_weekends_with_a_warning() -> None:
    d = decide(schedule(), at("2027-03-03T10:00"))  # a Wednesday in 2027
    assert d.route == "agent" and d.warning and "2027" in d.warning
    assert decide(schedule(), at("2027-03-06T10:00")).route == "after_hours"  # Saturday


def test_calendar_none_ignores_statutory_holidays() -> None:
    assert decide(schedule(calendar="none"), at("2026-10-01T10:00")).route == "agent"


def test_clock_in_utc_is_converted_to_company_time() -> None:
    # 02:00 UTC is 10:00 in Shanghai.
    assert decide(schedule(), datetime(2026, 11, 23, 2, 0, tzinfo=UTC)).route == "agent"
    with pytest.raises(ValueError):
        decide(schedule(), datetime(2026, 11, 23, 10, 0))  # naive: which zone?


def test_classify_names_the_holiday() -> None:
    info = classify(schedule(), at("2026-10-01T10:00").date())
    assert info.kind is DayKind.HOLIDAY and info.holiday_name


def test_channel_variables_for_the_dialplan() -> None:
    d = decide(schedule(), at("2026-10-01T10:00"))
    v = d.channel_variables("/srv/hotline/x/prompts")
    assert v["HOTLINE_ROUTE"] == "holiday"
    assert v["HOTLINE_PROMPTS"].split("&") == [
        "/srv/hotline/x/prompts/holiday_greeting", "/srv/hotline/x/prompts/after_hours",
        "/srv/hotline/x/prompts/voicemail"]


def test_policy_round_trips_through_json(tmp_path) -> None:
    s = load_settings(environ={"HOTLINE_AFTER_HOURS__FORWARD_TO": "13800000000"})
    policy = policy_from_settings(s, "/p")
    f = tmp_path / "policy.json"
    f.write_text(policy.to_json(), encoding="utf-8")
    again = RoutingPolicy.load(f)
    assert again == policy
    assert again.decide(at("2026-10-01T10:00")).route == "forward"


def test_clock_override_parsing() -> None:
    assert parse_clock_override("") is None
    assert parse_clock_override("2026-10-01T10:00:00+08:00") == at("2026-10-01T10:00")
    with pytest.raises(ValueError, match="no UTC offset"):
        parse_clock_override("2026-10-01T10:00:00")
    # A naive time is the company's local time (issue 12: `--at 2026-11-23T10:00:00`).
    assert parse_clock_override("2026-10-01T10:00:00", SH) == at("2026-10-01T10:00")
    with pytest.raises(ValueError, match="not an ISO 8601 time"):
        parse_clock_override("tomorrow 10am", SH)


def test_a_calls_clock_comes_only_from_demo_peers() -> None:
    policy = policy_from_settings(load_settings(environ={}), "/p")
    assert policy.clock_peers == ("127.0.0.0/8", "::1/128")
    assert policy.call_clock("127.0.0.10:5060", "2026-10-01T10:00:00") == (
        at("2026-10-01T10:00"), None)
    when, why = policy.call_clock("198.51.100.7:5060", "2026-10-01T10:00:00")
    assert when is None and why is not None and "198.51.100.7:5060" in why
    when, why = policy.call_clock("127.0.0.10:5060", "soon")
    assert when is None and why is not None and "not an ISO 8601 time" in why
    assert policy.call_clock("127.0.0.10:5060", "") == (None, None)


def test_peer_addresses() -> None:
    nets = ("127.0.0.0/8", "::1/128")
    assert peer_in("127.0.0.10:5060", nets) and peer_in("127.9.9.9", nets)
    assert peer_in("[::1]:5060", nets) and peer_in("::1", nets)
    assert not peer_in("10.0.0.1:5060", nets) and not peer_in("", nets)
    assert not peer_in("garbage", nets) and not peer_in("127.0.0.1:5060", ())


@given(st.text(alphabet=st.characters(blacklist_characters="\r\n\x00"), max_size=40))
def test_whatever_the_header_says_it_cannot_pose_as_the_peer(header: str) -> None:
    """AGI(...,<peer>,<header>): Asterisk splits the arguments on commas after substituting
    the header; the peer is always the first argument, the header everything after it."""
    parts = ["203.0.113.5:5060", *header.split(",")]
    env = {f"agi_arg_{n}": part for n, part in enumerate(parts, start=1)}
    peer, value = clock_args(env)
    assert peer == "203.0.113.5:5060" and value == header
    policy = policy_from_settings(load_settings(environ={}), "/p")
    assert policy.call_clock(peer, value)[0] is None


def test_start_warns_about_years_the_calendar_does_not_cover() -> None:
    from datetime import date

    from domain.workcal import calendar_warnings

    warnings = calendar_warnings(schedule(), date(2026, 11, 23))
    assert len(warnings) == 1 and "2027" in warnings[0]  # 2026 covered, 2027 not yet
    assert calendar_warnings(schedule(calendar="none"), date(2026, 11, 23)) == []
