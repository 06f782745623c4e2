"""Call records assembled from AMI events (R12): a captured real call, and synthetic ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from callrecords.record import record_from_dict, record_to_dict
from calls.tracker import CallTracker

DATA = Path(__file__).with_name("data")
L = "1700000000.1"


def feed_all(events: list[dict[str, Any]]) -> list:
    tracker = CallTracker()
    out = [r for e in events if (r := tracker.feed(e, 0.0)) is not None]
    assert not tracker.calls  # every call that started also ended
    return out


def ev(name: str, ts: float, uid: str = L, **fields: str) -> dict[str, Any]:
    return {"Event": name, "Timestamp": str(1700000000 + ts), "Uniqueid": uid, "Linkedid": L,
            **fields}


def caller_leg(ts: float = 0.0) -> list[dict[str, Any]]:
    return [ev("Newchannel", ts, Channel="PJSIP/trunk-1", CallerIDNum="13900000000",
               CallerIDName="王先生", Exten="4008001234"),
            ev("Newstate", ts + 0.01, ChannelStateDesc="Up"),
            ev("UserEvent", ts + 0.02, UserEvent="HotlineRecording", File=f"hotline/{L}.raw"),
            ev("UserEvent", ts + 0.03, UserEvent="HotlineRoute", Route="agent",
               Decider="fastagi")]


def test_captured_answered_call() -> None:
    events = json.loads((DATA / "answered_call_events.json").read_text(encoding="utf-8"))
    [r] = feed_all(events)
    assert r.caller == "13900001111" and r.caller_name == "Wang"
    assert r.called == "4008001234"
    assert r.route == "agent" and r.decided_by == "fastagi"
    assert r.agent == "1001" and r.disposition == "answered"
    assert r.answered_at - r.started_at < 0.01
    assert r.started_at < r.queued_at < r.agent_answered_at < r.ended_at
    assert abs(r.wait_seconds - (r.agent_answered_at - r.queued_at)) < 0.001  # rounded to ms
    assert 14 < r.talk_seconds < 16
    assert r.hangup_cause == "Normal Clearing" and r.hangup_by == "caller"
    assert len(r.legs) == 4 and all(leg.ended_at for leg in r.legs)
    assert r.recording_file == f"hotline/{r.linkedid}.raw"


def test_abandoned_in_queue_keeps_the_wait() -> None:
    events = [*caller_leg(), ev("QueueCallerJoin", 3.0),
              ev("HangupRequest", 10.5),
              ev("QueueCallerAbandon", 10.5, HoldTime="7"),
              ev("Hangup", 10.6, Cause="16", **{"Cause-txt": "Normal Clearing"})]
    [r] = feed_all(events)
    assert r.disposition == "abandoned" and r.route == "agent"
    assert r.wait_seconds == 7.5 and r.talk_seconds == 0
    assert r.hangup_by == "caller" and r.agent is None


def test_ring_no_answer_then_next_agent() -> None:
    events = [*caller_leg(), ev("QueueCallerJoin", 1.0),
              ev("AgentRingNoAnswer", 16.0, MemberName="1001", RingTime="15000"),
              ev("AgentConnect", 18.0, MemberName="1002", RingTime="1", HoldTime="17"),
              ev("AgentComplete", 30.0, MemberName="1002", TalkTime="12", Reason="agent"),
              ev("Hangup", 30.1, Cause="16", **{"Cause-txt": "Normal Clearing"})]
    [r] = feed_all(events)
    assert r.agent == "1002" and r.disposition == "answered"
    assert r.ring_attempts[0] == {"agent": "1001", "at": 1700000016.0, "ring_seconds": 15.0,
                                  "answered": False}
    assert r.wait_seconds == 17.0 and r.talk_seconds == 12.0 and r.hangup_by == "agent"


def test_overflow_to_voicemail() -> None:
    events = [*caller_leg(), ev("QueueCallerJoin", 1.0), ev("QueueCallerLeave", 121.0),
              ev("UserEvent", 121.1, UserEvent="HotlineRoute", Route="voicemail",
                 Decider="queue"),
              ev("UserEvent", 123.0, UserEvent="HotlineVoicemail"),
              ev("Hangup", 140.0, Cause="16")]
    [r] = feed_all(events)
    assert r.route == "voicemail" and r.decided_by == "fastagi"
    assert r.disposition == "voicemail" and r.wait_seconds == 120.0


def test_forwarded_to_mobile() -> None:
    events = [*caller_leg()[:3],
              ev("UserEvent", 0.1, UserEvent="HotlineRoute", Route="forward", Decider="fallback"),
              ev("DialEnd", 8.0, DialStatus="ANSWER", DestChannel="PJSIP/trunk-2"),
              ev("Hangup", 38.0, Cause="0")]
    [r] = feed_all(events)
    assert r.disposition == "forwarded" and r.talk_seconds == 30.0
    assert r.decided_by == "fallback"


def test_hung_up_during_greeting_is_missed_with_unknown_cause_resolved() -> None:
    events = [*caller_leg(), ev("SoftHangupRequest", 1.0, Cause="16"),
              ev("Hangup", 1.1, Cause="0", **{"Cause-txt": "Unknown"})]
    [r] = feed_all(events)
    assert r.disposition == "missed" and r.hangup_cause == "Normal Clearing"


def test_events_of_unknown_calls_are_ignored() -> None:
    tracker = CallTracker()
    assert tracker.feed(ev("Hangup", 1.0), 0.0) is None
    assert tracker.feed({"Event": "FullyBooted"}, 0.0) is None
    assert not tracker.calls


def test_the_bridges_own_astdb_writes_are_no_calls() -> None:
    """Presence's AstDB writes are Local channels the bridge originates (ivr.ami_actions.db_put,
    [hotline-astdb-put]): no call record for them, while a caller's call still gets one."""
    tracker = CallTracker()
    for half in ("1", "2"):
        assert tracker.feed(ev("Newchannel", 0.0, uid=f"{L}{half}",
                               Channel=f"Local/s@hotline-astdb-put-00000001;{half}",
                               Context="hotline-astdb-put", Exten="s"), 0.0) is None
    assert tracker.feed(ev("Hangup", 0.1), 0.0) is None
    assert not tracker.calls
    for e in caller_leg(1.0):
        tracker.feed(e, 0.0)
    assert L in tracker.calls


def test_feature_codes_and_listening_are_no_calls() -> None:
    """R24/R18: an agent's presence code (dialled in the same context as a customer's number:
    the dialplan's HotlinePresence says what it was), a supervisor's phone dialling *25<工号>,
    and the supervisor's phone the bridge rings to listen in leave no call record."""
    presence = [ev("Newchannel", 0.0, Channel="PJSIP/1001-00000001", CallerIDNum="1001",
                   Context="from-agents", Exten="*21"),
                ev("Newstate", 0.01, ChannelStateDesc="Up"),
                ev("UserEvent", 0.5, UserEvent="HotlinePresence", Agent="1001", Result="ok"),
                ev("Hangup", 2.0, Cause="16")]
    dialled = [ev("Newchannel", 0.0, Channel="PJSIP/9001-00000002", CallerIDNum="9001",
                  Context="from-supervisors", Exten="*251001"),
               ev("Hangup", 4.0, Cause="16")]
    listener = {"Event": "Newchannel", "Uniqueid": "hotline-live-7", "Linkedid": "hotline-live-7",
                "Channel": "PJSIP/9001-00000003", "Context": "", "Timestamp": "1700000001"}
    for events in (presence, dialled, [listener, {**listener, "Event": "Hangup"}]):
        assert feed_all(events) == []
    # An agent dialling a customer from the same context is a call.
    outbound = [ev("Newchannel", 0.0, Channel="PJSIP/1001-00000004", CallerIDNum="1001",
                   Context="from-agents", Exten="13900000000"),
                ev("UserEvent", 0.1, UserEvent="HotlineOutbound", Agent="1001",
                   Number="13900000000"),
                ev("Hangup", 9.0, Cause="16")]
    [r] = feed_all(outbound)
    assert r.direction == "outbound" and r.agent == "1001"


def test_resync_adopts_no_listening_phone() -> None:
    tracker = CallTracker()
    spy = {"Event": "CoreShowChannel", "Linkedid": "hotline-live-8", "Uniqueid": "hotline-live-8",
           "Channel": "PJSIP/9001-00000009", "Context": "hotline-live", "Duration": "00:00:03"}
    assert tracker.resync([spy], 1700000010.0) == [] and not tracker.calls


def test_resync_adopts_live_calls_and_finishes_lost_ones() -> None:
    tracker = CallTracker()
    for e in caller_leg():
        tracker.feed(e, 0.0)
    # After a reconnect: our call is gone, another one is live.
    other = {"Event": "CoreShowChannel", "Linkedid": "99.1", "Uniqueid": "99.1",
             "Channel": "PJSIP/trunk-9", "CallerIDNum": "13911112222", "Duration": "00:00:07",
             "Exten": "4008001234"}
    agent_leg = {"Event": "CoreShowChannel", "Linkedid": "99.1", "Uniqueid": "99.4",
                 "Channel": "PJSIP/1002-00000004", "Duration": "00:00:05"}
    [lost] = tracker.resync([other, agent_leg], now=1700000100.0)
    assert lost.linkedid == L and lost.partial and lost.ended_at == 1700000100.0
    adopted = tracker.calls["99.1"].record
    assert adopted.partial and adopted.caller == "13911112222"
    assert adopted.started_at == 1700000093.0
    assert adopted.agent == "1002" and adopted.agent_answered_at == 1700000095.0
    assert tracker.feed({"Event": "Hangup", "Linkedid": "99.1", "Uniqueid": "99.4",
                         "Timestamp": "1700000110", "Cause": "16"}, 0.0) is None
    r = tracker.feed({"Event": "Hangup", "Linkedid": "99.1", "Uniqueid": "99.1",
                      "Timestamp": "1700000110", "Cause": "16"}, 0.0)
    assert r is not None and r.partial and r.ended_at == 1700000110.0
    assert r.disposition == "answered" and r.talk_seconds == 15.0


def test_record_round_trips_through_the_spool_format() -> None:
    [r] = feed_all([*caller_leg(), ev("Hangup", 2.0, Cause="16")])
    again = record_from_dict(json.loads(json.dumps(record_to_dict(r))))
    assert again == r
