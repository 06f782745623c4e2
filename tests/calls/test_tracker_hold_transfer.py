"""The tracker's hold time and agents (issue 8, R9) from synthetic AMI events: several holds,
a hold reported on two channels, a hold still running at hangup, a transfer's new agent leg."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from calls.tracker import CallTracker
from tests.unit.test_callflow import L, caller_leg, ev, feed_all

AGENT_UID, LOCAL_UID, OTHER_UID = f"{L[:-1]}4", f"{L[:-1]}2", f"{L[:-1]}9"


def answered(agent: str = "1001", at: float = 5.0) -> list[dict[str, Any]]:
    """The caller queued at 1 s, `agent`'s phone answering at `at` (a Local leg between)."""
    return [*caller_leg(), ev("QueueCallerJoin", 1.0),
            ev("Newchannel", 1.1, LOCAL_UID, Channel="Local/1001@hotline-agent-dial-1;2"),
            ev("Newchannel", 1.2, AGENT_UID, Channel=f"PJSIP/{agent}-00000001"),
            ev("Newstate", at - 0.1, AGENT_UID, ChannelStateDesc="Up"),
            ev("AgentConnect", at, MemberName=agent, RingTime="1", HoldTime=str(at - 1))]


def hangup(at: float, *uids: str) -> list[dict[str, Any]]:
    return [ev("Hangup", at, uid, Cause="16") for uid in (*uids, L)]


def test_two_holds_add_up_and_talk_and_wait_stay() -> None:
    events = [*answered(), ev("Hold", 10.0, AGENT_UID), ev("Unhold", 14.5, AGENT_UID),
              ev("Hold", 20.0, AGENT_UID), ev("Unhold", 23.0, AGENT_UID),
              ev("AgentComplete", 30.0, MemberName="1001", Reason="caller"),
              *hangup(30.1, AGENT_UID, LOCAL_UID)]
    [r] = feed_all(events)
    assert r.hold_seconds == 7.5
    assert r.agent == "1001" and r.agents == ["1001"]
    assert r.wait_seconds == 4.0 and r.talk_seconds == 25.0  # hold is part of the talk


def test_a_hold_reported_on_two_channels_counts_once() -> None:
    events = [*answered(), ev("Hold", 10.0, AGENT_UID), ev("Hold", 10.01, LOCAL_UID),
              ev("Unhold", 16.0, LOCAL_UID), ev("Unhold", 16.02, AGENT_UID),
              ev("AgentComplete", 30.0, MemberName="1001"), *hangup(30.1, AGENT_UID, LOCAL_UID)]
    [r] = feed_all(events)
    assert r.hold_seconds == 6.02


def test_hanging_up_while_holding_ends_the_hold() -> None:
    events = [*answered(), ev("Hold", 10.0, AGENT_UID),
              ev("AgentComplete", 18.0, MemberName="1001", Reason="agent"),
              ev("Hangup", 18.0, AGENT_UID, Cause="16"), ev("Hangup", 18.05, LOCAL_UID),
              ev("Hangup", 18.1, L, Cause="16")]
    [r] = feed_all(events)
    assert r.hold_seconds == 8.0 and r.hangup_by == "agent"


def test_still_on_hold_when_the_call_ends() -> None:
    events = [*answered(), ev("Hold", 10.0, LOCAL_UID), ev("Hangup", 12.0, L, Cause="16"),
              ev("Hangup", 12.5, AGENT_UID), ev("Hangup", 13.0, LOCAL_UID)]
    [r] = feed_all(events)
    assert r.hold_seconds == 2.0  # the caller hung up on hold: the hold ended there


def test_a_call_without_hold_has_zero_and_its_one_agent() -> None:
    events = [*answered("1002"), ev("AgentComplete", 9.0, MemberName="1002"),
              *hangup(9.1, AGENT_UID, LOCAL_UID)]
    [r] = feed_all(events)
    assert r.hold_seconds == 0.0 and r.agents == ["1002"]


def test_a_call_nobody_answered_has_no_agents() -> None:
    events = [*caller_leg(), ev("QueueCallerJoin", 1.0), ev("QueueCallerAbandon", 6.0),
              ev("Hangup", 6.1, Cause="16")]
    [r] = feed_all(events)
    assert r.agents == [] and r.agent is None and r.hold_seconds == 0.0


intervals = st.lists(st.tuples(st.integers(0, 400), st.integers(1, 60),
                               st.sampled_from([AGENT_UID, LOCAL_UID])), max_size=6)


@given(intervals)
def test_hold_seconds_is_the_time_any_channel_held_the_call(
        holds: list[tuple[int, int, str]]) -> None:
    """Whatever the overlap of holds reported on the agent's and the Local channel, the hold
    time is the length of their union (a caller is on hold or not)."""
    # A channel is held or not: its own holds never overlap (Asterisk reports an Unhold
    # before the next Hold), the two channels' may.
    kept: list[tuple[float, float, str]] = []
    for start, length, uid in sorted(holds):
        if all(b <= 10 + start / 10 for _, b, u in kept if u == uid):
            kept.append((10 + start / 10, 10 + (start + length) / 10, uid))
    timeline = [*answered()]
    for a, b, uid in kept:
        timeline += [ev("Hold", a, uid), ev("Unhold", b, uid)]
    events = sorted(timeline, key=lambda e: (float(e["Timestamp"]), e["Event"] != "Unhold"))
    events += [ev("AgentComplete", 60.0, MemberName="1001"),
               *hangup(60.1, AGENT_UID, LOCAL_UID)]
    expected = _union([(a, b) for a, b, _ in kept])
    [r] = feed_all(events)
    assert abs(r.hold_seconds - expected) < 0.01


def _union(spans: list[tuple[float, float]]) -> float:
    total, end = 0.0, float("-inf")
    for a, b in sorted(spans):
        if b > end:
            total += b - max(a, end)
            end = b
    return total


def test_tracker_follows_hold_events() -> None:
    assert {"Hold", "Unhold"} <= set(CallTracker.EVENTS)
