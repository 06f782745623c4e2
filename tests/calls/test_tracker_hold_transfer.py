"""The tracker's hold time and agents (issue 8, R9) from synthetic AMI events: several holds,
a hold reported on two channels, a hold still running at hangup, a transfer's new agent leg."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
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


# -- transfers ---------------------------------------------------------------------------
B_UID = f"{L[:-1]}7"


def test_blind_transfer_adds_the_colleague_and_keeps_one_record() -> None:
    """Captured shape (tests/telephony): after the REFER the queue's Local leg dials 1002 in
    the same linkedid; 1001's phone hangs up; talk runs to the end, across the transfer."""
    events = [*answered(), ev("BlindTransfer", 10.0, "", Result="Success", Extension="1002"),
              ev("Hangup", 10.01, AGENT_UID, Cause="16"),
              ev("Newchannel", 10.02, B_UID, Channel="PJSIP/1002-00000002"),
              ev("Newstate", 11.0, B_UID, ChannelStateDesc="Up"),
              ev("AgentComplete", 40.0, MemberName="1001", Reason="caller"),
              *hangup(40.1, LOCAL_UID, B_UID)]
    [r] = feed_all(events)
    assert r.agent == "1001" and r.agents == ["1001", "1002"]
    assert r.talk_seconds == 35.0 and r.wait_seconds == 4.0
    assert [leg.channel for leg in r.legs][-1] == "PJSIP/1002-00000002"


def test_blind_transfer_carried_by_the_callers_channel() -> None:
    """Captured shape since the caller's own channel carries a blind transfer
    ([hotline-transferred]): the queue reports its agent side ended ("agent") just before the
    dialplan's HotlineTransfer; the caller then dials 1002 and hangs up at the end. Nobody hung
    up at the transfer, and the talk runs to the end."""
    events = [*answered(), ev("BlindTransfer", 10.0, "", Result="Success", Extension="1002"),
              ev("Hangup", 10.01, AGENT_UID, Cause="16"),
              ev("AgentComplete", 10.02, MemberName="1001", Reason="agent"),
              ev("UserEvent", 10.03, UserEvent="HotlineTransfer", Target="1002"),
              ev("Hangup", 10.04, LOCAL_UID, Cause="16"),
              ev("Newchannel", 10.1, B_UID, Channel="PJSIP/1002-00000002"),
              ev("Newstate", 11.0, B_UID, ChannelStateDesc="Up"),
              ev("HangupRequest", 40.0), ev("Hangup", 40.05, B_UID, Cause="16"),
              ev("Hangup", 40.1, L, Cause="16")]
    [r] = feed_all(events)
    assert r.agent == "1001" and r.agents == ["1001", "1002"]
    assert r.talk_seconds == 35.1 and r.hangup_by == "caller"


def test_the_queue_reporting_its_agent_side_after_the_transfer_is_no_hangup() -> None:
    """A possible order (a race, seen as hangup_by "agent" in the telephony test) since the
    agent's phone is bridged by the Local channel itself
    ([hotline-agent-connect]): the HotlineTransfer event can come before the queue's
    AgentComplete ("agent") of 1001's session. Still nobody hung up at the transfer."""
    events = [*answered(), ev("Hangup", 10.01, AGENT_UID, Cause="16"),
              ev("UserEvent", 10.02, UserEvent="HotlineTransfer", Target="1002"),
              ev("AgentComplete", 10.03, MemberName="1001", Reason="agent"),
              ev("Hangup", 10.04, LOCAL_UID, Cause="16"),
              ev("Newchannel", 10.1, B_UID, Channel="PJSIP/1002-00000002"),
              ev("Newstate", 11.0, B_UID, ChannelStateDesc="Up"),
              ev("HangupRequest", 40.0), ev("Hangup", 40.05, B_UID, Cause="16"),
              ev("Hangup", 40.1, L, Cause="16")]
    [r] = feed_all(events)
    assert r.agents == ["1001", "1002"] and r.hangup_by == "caller"
    assert r.talk_seconds == 35.1


def test_the_transfer_target_hanging_up_is_the_agent() -> None:
    """The caller's channel dialled 1002 itself: when 1002 hangs up, its Dial comes back and
    the dialplan says HotlineTransferEnd ANSWER (there is no queue to say AgentComplete)."""
    events = [*answered(), ev("Hangup", 10.01, AGENT_UID, Cause="16"),
              ev("AgentComplete", 10.02, MemberName="1001", Reason="agent"),
              ev("UserEvent", 10.03, UserEvent="HotlineTransfer", Target="1002"),
              ev("Hangup", 10.04, LOCAL_UID, Cause="16"),
              ev("Newchannel", 10.1, B_UID, Channel="PJSIP/1002-00000002"),
              ev("Newstate", 11.0, B_UID, ChannelStateDesc="Up"),
              ev("Hangup", 30.0, B_UID, Cause="16"),
              ev("UserEvent", 30.01, UserEvent="HotlineTransferEnd", Target="1002",
                 Status="ANSWER"),
              ev("SoftHangupRequest", 30.02, Cause="16"), ev("Hangup", 30.03, L, Cause="16")]
    [r] = feed_all(events)
    assert r.agents == ["1001", "1002"] and r.hangup_by == "agent"
    assert r.talk_seconds == 25.03


def test_a_transfer_back_to_the_queue_keeps_the_first_agent_first() -> None:
    events = [*answered(), ev("Hangup", 10.01, AGENT_UID, Cause="16"),
              ev("QueueCallerJoin", 10.1, LOCAL_UID),
              ev("Newchannel", 10.2, B_UID, Channel="PJSIP/1002-00000002"),
              ev("Newstate", 12.0, B_UID, ChannelStateDesc="Up"),
              ev("AgentConnect", 12.1, LOCAL_UID, MemberName="1002", HoldTime="2"),
              ev("AgentComplete", 30.0, LOCAL_UID, MemberName="1002"),
              ev("AgentComplete", 30.05, MemberName="1001"),
              *hangup(30.1, LOCAL_UID, B_UID)]
    [r] = feed_all(events)
    assert r.agent == "1001" and r.agents == ["1001", "1002"]
    assert r.agent_answered_at == 1700000005.0 and r.wait_seconds == 4.0
    assert r.talk_seconds == 25.05


L2 = "1700000020.11"


def consultation(linkedid: str = L2) -> list[dict[str, Any]]:
    """1001's phone calls 1002 while the caller is on hold: a call of its own."""
    return [{**ev("Newchannel", 20.0, L2, Channel="PJSIP/1001-00000005", CallerIDNum="1001",
                  Exten="1002"), "Linkedid": L2},
            {**ev("Newstate", 20.0, L2, ChannelStateDesc="Up"), "Linkedid": L2},
            {**ev("Newchannel", 20.1, "1700000020.12", Channel="PJSIP/1002-00000006"),
             "Linkedid": L2},
            {**ev("Newstate", 21.0, "1700000020.12", ChannelStateDesc="Up"), "Linkedid": L2}]


def attended(result: str = "Success", **swap: str) -> dict[str, Any]:
    return {"Event": "AttendedTransfer", "Timestamp": "1700000030.0", "Result": result,
            "OrigTransfererChannel": "PJSIP/1001-00000001", "OrigTransfererLinkedid": L,
            "SecondTransfererChannel": "PJSIP/1001-00000005", "SecondTransfererLinkedid": L2,
            "TransfereeChannel": "Local/1001@hotline-agent-dial-1;2",
            "TransferTargetChannel": "PJSIP/1002-00000006", "DestType": "Bridge", **swap}


def _after_transfer(moved_linkedid: str) -> list[dict[str, Any]]:
    """1001's two channels hang up; 1002's channel (reporting `moved_linkedid`: its own call's
    or, relinked by the bridge, the caller's) talks to the caller until the caller hangs up."""
    return [ev("Hangup", 30.01, AGENT_UID, Cause="16"),
            {**ev("Hangup", 30.02, L2, Cause="16"), "Linkedid": L2},
            ev("AgentComplete", 50.0, MemberName="1001", Reason="caller"),
            ev("Hangup", 50.1, L, Cause="16"), ev("Hangup", 50.1, LOCAL_UID),
            {**ev("Hangup", 50.2, "1700000020.12", Cause="16"), "Linkedid": moved_linkedid}]


@pytest.mark.parametrize("moved", [L2, L])
def test_attended_transfer_folds_the_consultation_into_one_record(moved: str) -> None:
    events = [*answered(), ev("Hold", 15.0, AGENT_UID), *consultation(), attended(),
              *_after_transfer(moved)]
    [r] = feed_all(events)  # one record: the consultation call is part of the caller's
    assert r.linkedid == L and r.caller == "13900000000"
    assert r.agent == "1001" and r.agents == ["1001", "1002"]
    assert r.hold_seconds == 15.01  # from the hold until 1001's phone left the call
    assert r.talk_seconds == 45.0
    assert "PJSIP/1002-00000006" in [leg.channel for leg in r.legs]


def test_attended_transfer_completed_from_the_consultation_call() -> None:
    """The phone may send the REFER on the colleague's call: the older call still survives."""
    swapped = attended(OrigTransfererLinkedid=L2, SecondTransfererLinkedid=L,
                       TransfereeChannel="PJSIP/1002-00000006",
                       TransferTargetChannel="Local/1001@hotline-agent-dial-1;2")
    [r] = feed_all([*answered(), *consultation(), swapped, *_after_transfer(L2)])
    assert r.linkedid == L and r.agents == ["1001", "1002"]


def test_a_failed_attended_transfer_leaves_two_calls() -> None:
    events = [*answered(), *consultation(), attended(result="Fail"),
              {**ev("Hangup", 31.0, "1700000020.12", Cause="16"), "Linkedid": L2},
              {**ev("Hangup", 31.1, L2, Cause="16"), "Linkedid": L2},
              ev("AgentComplete", 50.0, MemberName="1001"), *hangup(50.1, AGENT_UID, LOCAL_UID)]
    consult, call = feed_all(events)
    assert consult.linkedid == L2 and call.linkedid == L and call.agents == ["1001"]


# -- captured from the real Asterisk (tests/telephony/test_hold_transfer.py) ------------------
DATA = Path(__file__).with_name("data")


def _captured(name: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = json.loads(
        (DATA / f"{name}_transfer_events.json").read_text(encoding="utf-8"))
    return events


def test_captured_blind_transfer() -> None:
    [r] = feed_all(_captured("blind"))
    assert r.agent == "1001" and r.agents == ["1001", "1002"]
    assert r.disposition == "answered" and r.hold_seconds == 0.0
    assert 21 < r.talk_seconds < 23 and r.wait_seconds < 2
    assert [leg.channel.rsplit("-", 1)[0] for leg in r.legs][-1] == "PJSIP/1002"


def test_captured_attended_transfer() -> None:
    events = _captured("attended")
    [r] = feed_all(events)  # the consultation call is not a record of its own
    assert r.agent == "1001" and r.agents == ["1001", "1002"]
    assert 3.5 < r.hold_seconds < 4.5 and 23 < r.talk_seconds < 25
    assert len({leg.uniqueid for leg in r.legs}) == len(r.legs) == 6
    # Without the transfer event the colleague's channel, relinked to the caller's call by
    # Asterisk, would leave the consultation call open for ever.
    tracker = CallTracker()
    for e in events:
        if e.get("Event") != "AttendedTransfer":
            tracker.feed(e, 0.0)
    assert len(tracker.calls) == 1
