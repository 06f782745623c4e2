"""Assembles AMI events into one call record per call (R12). Pure: events in, finished records
out. Legs are grouped by Linkedid; a call ends when its last channel hangs up.

Times come from the events' own Timestamp header (manager.conf timestampevents), so a slow
bridge does not skew them. Wait and talk times are computed from bridge and queue events, not
from Asterisk's CDR, whose disposition describes the agent leg and whose billsec starts at
the IVR's answer."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from callrecords.record import CallRecord, Leg
from domain.status import Decider, Direction, Disposition, HangupBy, Route
from ivr.ami_actions import ASTDB_PUT_CHANNEL, LIVE_CHANNEL_PREFIX

Event = Mapping[str, Any]
_Word = TypeVar("_Word", bound=StrEnum)

# Q.850 causes Asterisk reports; used when the Hangup event says 0/Unknown.
Q850 = {1: "Unallocated number", 16: "Normal Clearing", 17: "User busy",
        18: "No user responding", 19: "No answer", 21: "Call rejected",
        27: "Destination out of order", 34: "No circuit available", 38: "Network out of order",
        41: "Temporary failure", 127: "Interworking, unspecified"}


@dataclass
class _CallState:
    record: CallRecord
    live: set[str] = field(default_factory=set)
    left_queue_at: float | None = None
    abandoned: bool = False
    talk_end: float | None = None
    reached_voicemail: bool = False
    forward_answered_at: float | None = None
    refused: bool = False  # an agent's outbound call the [outbound] rules refused (issue 13)
    caller_hung_up: bool = False
    agent_hung_up: bool = False
    soft_causes: dict[str, int] = field(default_factory=dict)  # uniqueid -> Q.850 cause
    held: set[str] = field(default_factory=set)  # uniqueids on hold now (issue 8, R9)
    hold_started: float | None = None  # when the caller went on hold (None: not on hold)
    no_call: bool = False  # the dialplan said it was no call (a presence code): no record
    # The agent whose queue session a blind transfer ended: that session's AgentComplete is no
    # hang-up, whether it comes before or after the HotlineTransfer event (a race in Asterisk).
    transferred_from: str | None = None


def _ts(event: Event, fallback: float) -> float:
    try:
        return float(event["Timestamp"])
    except (KeyError, TypeError, ValueError):
        return fallback


def _word(kind: type[_Word], value: Any) -> _Word | None:
    """A status word from the dialplan, or None for an empty or unknown one (a dialplan of
    another version must not stop the tracking of the call)."""
    try:
        return kind(value) if value else None
    except ValueError:
        return None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# What is no call to or from a customer, and gets no record: where the dialplan put the
# channel (INVITEs from neither the carrier nor an agent, issue 13; a supervisor's phone
# dialling or listening in, R18; an agent's presence code, R24), the bridge's own channels
# (AstDB writes, the supervisor's phone it rings to listen in), and the dialplan's word that a
# call was a presence feature code (an agent's phone dials those in the same context as
# customers, so only the dialplan knows).
UNKNOWN_SOURCES = "from-unknown"
NO_CALL_CONTEXTS = frozenset({UNKNOWN_SOURCES, "from-supervisors", "hotline-live",
                              "hotline-presence"})
ASTDB_WRITES = f"{ASTDB_PUT_CHANNEL}-"
NO_CALL_EVENTS = frozenset({"HotlinePresence", "HotlineLiveStart", "HotlineLiveRefused"})


def no_call(channel: Event) -> bool:
    """Whether a channel (its Newchannel or CoreShowChannel event) starts no call."""
    return (channel.get("Context") in NO_CALL_CONTEXTS
            or str(channel.get("Channel", "")).startswith(ASTDB_WRITES)
            or str(channel.get("Uniqueid", "")).startswith(LIVE_CHANNEL_PREFIX))


class CallTracker:
    # The AMI events the tracker reads (each has an _on_<name> method below).
    EVENTS = ("Newchannel", "Newstate", "HangupRequest", "SoftHangupRequest", "Hangup",
              "UserEvent", "QueueCallerJoin", "QueueCallerAbandon", "QueueCallerLeave",
              "AgentRingNoAnswer", "AgentConnect", "AgentComplete", "DialEnd",
              "Hold", "Unhold", "AttendedTransfer")  # issue 8: hold and transfer

    def __init__(self) -> None:
        self.calls: dict[str, _CallState] = {}
        # An attended transfer's consultation call, folded into the caller's call: its
        # linkedid -> the caller's (its channels may go on reporting their own linkedid).
        self.folded: dict[str, str] = {}

    def feed(self, event: Event, now: float) -> CallRecord | None:
        """Applies one event; returns the call's record when this event ended the call."""
        name = event.get("Event", "")
        if name == "AttendedTransfer":  # names two calls, and no Linkedid of its own
            self._fold(event)
            return None
        linkedid = event.get("Linkedid")
        if not isinstance(linkedid, str) or not linkedid:
            return None
        linkedid = self.folded.get(linkedid, linkedid)
        ts = _ts(event, now)
        state = self.calls.get(linkedid)
        if state is None:
            if name != "Newchannel":
                return None  # a call we are not following (started before we logged in)
            if no_call(event):
                return None
            state = self.calls[linkedid] = _CallState(CallRecord(linkedid, ts))
        handler = getattr(self, f"_on_{name}", None)
        if handler is not None:
            handler(state, event, ts)
        if name == "Hangup" and not state.live:
            del self.calls[linkedid]
            for alias in [a for a, to in self.folded.items() if to == linkedid]:
                del self.folded[alias]
            return None if state.no_call else finish(state)
        return None

    def _fold(self, e: Event) -> None:
        """An attended transfer (issue 8): the agent held the caller, called a colleague from
        the phone (a call of its own) and completed the transfer. That consultation call
        becomes part of the caller's call, which is the older of the two (the agent may
        complete it from either call): its channels and legs, and the colleague, who now
        talks to the caller, as the next of `agents`. One record, never two."""
        if e.get("Result") != "Success":
            return
        pair = {self.folded.get(str(e.get(k, "")), str(e.get(k, "")))
                for k in ("OrigTransfererLinkedid", "SecondTransfererLinkedid")}
        states = sorted((self.calls[c] for c in pair if c in self.calls),
                        key=lambda st: st.record.started_at)
        if len(states) != 2:
            return  # one of them is not followed (or both are the same call)
        caller, consult = states
        del self.calls[consult.record.linkedid]
        self.folded[consult.record.linkedid] = caller.record.linkedid
        caller.live |= consult.live
        caller.record.legs.extend(consult.record.legs)
        target = _agent_of(str(e.get("TransferTargetChannel", "")))
        _add_agent(caller, target or consult.record.agent or
                   next(iter(consult.record.agents), None))


    # -- channel lifecycle ---------------------------------------------------------------
    def _on_Newchannel(self, s: _CallState, e: Event, ts: float) -> None:
        uid = e.get("Uniqueid", "")
        s.live.add(uid)
        s.record.legs.append(Leg(uid, e.get("Channel", ""), ts, e.get("CallerIDNum", "")))
        if uid == s.record.linkedid:
            s.record.started_at = ts
            s.record.caller = e.get("CallerIDNum", "")
            s.record.caller_name = _name(e.get("CallerIDName", ""), s.record.caller)
            s.record.called = e.get("Exten", "")

    def _on_Newstate(self, s: _CallState, e: Event, ts: float) -> None:
        if e.get("ChannelStateDesc") != "Up":
            return
        leg = _leg(s, e)
        if leg is not None and leg.answered_at is None:
            leg.answered_at = ts
            if leg.uniqueid == s.record.linkedid:
                s.record.answered_at = ts
            else:
                # An agent's phone answering inside the caller's call: the queue's agent, or
                # the colleague a blind transfer rang (issue 8).
                _add_agent(s, _agent_of(leg.channel))

    def _on_HangupRequest(self, s: _CallState, e: Event, ts: float) -> None:
        if e.get("Uniqueid") == s.record.linkedid and not s.agent_hung_up:
            s.caller_hung_up = True  # the caller's side asked for it (BYE)

    def _on_SoftHangupRequest(self, s: _CallState, e: Event, ts: float) -> None:
        cause = _int(e.get("Cause"))
        if cause:
            s.soft_causes[e.get("Uniqueid", "")] = cause

    def _on_Hangup(self, s: _CallState, e: Event, ts: float) -> None:
        uid = e.get("Uniqueid", "")
        s.live.discard(uid)
        # Hangup often says 0/Unknown where the SoftHangupRequest before it had the cause: the
        # leg and (for the caller's leg) the call get the same resolved cause.
        cause = _int(e.get("Cause"))
        text = e.get("Cause-txt", "")
        soft = s.soft_causes.get(uid)
        if not cause and soft:
            cause, text = soft, Q850.get(soft, f"cause {soft}")
        text = text or (Q850.get(cause, "") if cause else "")
        leg = _leg(s, e)
        if leg is not None:
            leg.ended_at = ts
            leg.cause = cause
            leg.cause_text = text
        if uid == s.record.linkedid:
            s.record.hangup_cause = text
        s.record.ended_at = ts
        # A hold ends with the channel that held, and with the caller hanging up on hold.
        if uid == s.record.linkedid:
            s.held.clear()
        s.held.discard(uid)
        _end_hold(s, ts)

    # -- the dialplan's own reports ---------------------------------------------------------
    def _on_UserEvent(self, s: _CallState, e: Event, ts: float) -> None:
        kind = e.get("UserEvent")
        if kind in NO_CALL_EVENTS:
            s.no_call = True
        elif kind == "HotlineRecording":
            s.record.recording_file = e.get("File") or None
        elif kind == "HotlineRoute":
            s.record.route = _word(Route, e.get("Route"))
            if s.record.decided_by is None:
                s.record.decided_by = _word(Decider, e.get("Decider"))
        elif kind == "HotlineVoicemail":
            s.reached_voicemail = True
        elif kind == "HotlineTransfer":
            # A blind transfer (issue 8): the caller's own channel leaves the queue to ring the
            # target, and the queue reports its agent side ended ("agent"). The call goes on:
            # nobody hung up, and the talk runs on to the end (or to the next queue session).
            s.agent_hung_up = False
            s.talk_end = None
            s.transferred_from = (s.record.agents or [s.record.agent or ""])[-1] or None
        elif kind == "HotlineTransferEnd" and e.get("Status") == "ANSWER":
            # The target's Dial came back after its answer: the target hung up (had the
            # caller hung up, the caller's dialplan would have stopped in the Dial).
            s.agent_hung_up = True
            s.caller_hung_up = False
        elif kind == "HotlineForward" and e.get("Status") == "ANSWER":
            s.forward_answered_at = s.forward_answered_at or ts
        elif kind == "HotlineCallback":
            # A ticket's callback (issue 6): the agent's phone answered the originate and
            # the customer is being dialled; the agent is the calling party.
            s.record.route, s.record.direction = Route.CALLBACK, Direction.OUTBOUND
            s.record.caller = e.get("Agent", "")
            s.record.agent = s.record.caller or None
            s.record.caller_name = ""
            s.record.called = e.get("Customer", "")
        elif kind in ("HotlineOutbound", "HotlineOutboundRefused"):
            # An agent dialling out from the phone (issue 13): the agent is the calling party,
            # whether the [outbound] rules let the call through or refused it.
            s.record.route, s.record.direction = Route.OUTBOUND, Direction.OUTBOUND
            s.record.caller = e.get("Agent", "") or s.record.caller
            s.record.agent = s.record.caller or None
            s.record.caller_name = ""
            s.record.called = e.get("Number", "") or s.record.called
            s.refused = kind == "HotlineOutboundRefused"

    # -- queue and agents ------------------------------------------------------------------
    def _on_QueueCallerJoin(self, s: _CallState, e: Event, ts: float) -> None:
        s.record.queued_at = s.record.queued_at or ts

    def _on_QueueCallerAbandon(self, s: _CallState, e: Event, ts: float) -> None:
        s.abandoned = True
        s.left_queue_at = ts

    def _on_QueueCallerLeave(self, s: _CallState, e: Event, ts: float) -> None:
        s.left_queue_at = s.left_queue_at or ts

    def _on_AgentRingNoAnswer(self, s: _CallState, e: Event, ts: float) -> None:
        s.record.ring_attempts.append(
            {"agent": e.get("MemberName"), "at": ts, "ring_seconds": _ring_seconds(e),
             "answered": False})

    def _on_AgentConnect(self, s: _CallState, e: Event, ts: float) -> None:
        member = e.get("MemberName") or None
        s.transferred_from = None
        _add_agent(s, member)
        if s.record.agent_answered_at is not None:
            return  # the queue again, after a transfer back to it: the call's first agent stays
        s.record.agent = member
        s.record.agent_answered_at = ts
        s.record.ring_attempts.append(
            {"agent": s.record.agent, "at": ts, "ring_seconds": _ring_seconds(e),
             "answered": True})

    def _on_AgentComplete(self, s: _CallState, e: Event, ts: float) -> None:
        if s.transferred_from is not None and e.get("MemberName") == s.transferred_from:
            return  # the session the transfer ended, reported after the HotlineTransfer
        s.talk_end = max(ts, s.talk_end or ts)  # after a transfer back to the queue: the last
        if e.get("Reason") == "agent":
            s.agent_hung_up = True
            s.caller_hung_up = False

    def _on_DialEnd(self, s: _CallState, e: Event, ts: float) -> None:
        # The on-duty mobile answering a forwarded call (R7).
        if (s.record.route is Route.FORWARD and e.get("Uniqueid") == s.record.linkedid
                and e.get("DialStatus") == "ANSWER"):
            s.forward_answered_at = ts
        # The customer answering a callback or an agent's outbound call: the agent starts
        # talking with them.
        if (s.record.route in (Route.CALLBACK, Route.OUTBOUND)
                and e.get("Uniqueid") == s.record.linkedid
                and e.get("DialStatus") == "ANSWER"):
            s.record.agent_answered_at = s.record.agent_answered_at or ts

    # -- hold and transfer (issue 8, R9) ----------------------------------------------------
    def _on_Hold(self, s: _CallState, e: Event, ts: float) -> None:
        # Asterisk reports the hold on the channel that asked for it (the agent's phone) and
        # may report it again as it passes a Local channel: the caller is on hold while any
        # channel of the call is, counted once.
        if not s.held:
            s.hold_started = ts
        s.held.add(e.get("Uniqueid", ""))

    def _on_Unhold(self, s: _CallState, e: Event, ts: float) -> None:
        s.held.discard(e.get("Uniqueid", ""))
        _end_hold(s, ts)

    # -- reconciliation after a reconnect --------------------------------------------------
    def resync(self, live: Iterable[Event], now: float) -> list[CallRecord]:
        """Given Asterisk's live channels (CoreShowChannel events) after a (re)login: adopts
        calls we were not following and finishes those whose channels are all gone."""
        by_call: dict[str, list[Event]] = {}
        for ch in live:
            if ch.get("Linkedid"):
                by_call.setdefault(ch["Linkedid"], []).append(ch)
        finished = []
        for linkedid in [c for c in self.calls if c not in by_call]:
            gone = self.calls.pop(linkedid)
            gone.record.partial = True
            gone.record.ended_at = gone.record.ended_at or now
            gone.record.hangup_cause = gone.record.hangup_cause or "unknown (missed)"
            finished.append(finish(gone))
        for linkedid, channels in by_call.items():
            known_state = self.calls.get(linkedid)
            if known_state is not None:
                state = known_state
            else:
                first = next((c for c in channels if c.get("Uniqueid") == linkedid), channels[0])
                if no_call(first):
                    continue
                state = self.calls[linkedid] = _CallState(
                    CallRecord(linkedid, now - _duration(first)))
                state.record.partial = True
                state.record.caller = first.get("CallerIDNum", "")
                state.record.caller_name = _name(first.get("CallerIDName", ""),
                                                 state.record.caller)
                state.record.called = first.get("Exten", "")
                state.record.answered_at = state.record.started_at
                _adopt_agent(state, channels, now)
            known = {leg.uniqueid for leg in state.record.legs}
            for ch in channels:
                uid = ch.get("Uniqueid", "")
                state.live.add(uid)
                if uid not in known:
                    started = now - _duration(ch)
                    state.record.legs.append(Leg(uid, ch.get("Channel", ""), started,
                                                 ch.get("CallerIDNum", "")))
            state.live &= {c.get("Uniqueid", "") for c in channels}
        return finished


def _duration(channel: Event) -> float:
    """CoreShowChannel's Duration is HH:MM:SS."""
    seconds = 0
    for part in str(channel.get("Duration", "")).split(":"):
        value = _int(part)
        if value is None:
            return 0.0
        seconds = seconds * 60 + value
    return float(seconds)


def _adopt_agent(state: _CallState, channels: list[Event], now: float) -> None:
    """A call adopted mid-way (bridge restarted): an agent's phone channel in it means an agent
    is talking; its age is the best estimate of when the agent answered."""
    for ch in channels:
        endpoint = str(ch.get("Channel", "")).removeprefix("PJSIP/").rpartition("-")[0]
        if ch.get("Channel", "").startswith("PJSIP/") and endpoint and endpoint != "trunk":
            state.record.agent = endpoint
            state.record.route = Route.AGENT
            state.record.agent_answered_at = now - _duration(ch)
            return


def _end_hold(s: _CallState, ts: float) -> None:
    """The caller is off hold once no channel of the call holds it."""
    if not s.held and s.hold_started is not None:
        s.record.hold_seconds = round(s.record.hold_seconds + ts - s.hold_started, 3)
        s.hold_started = None


def _agent_of(channel: str) -> str | None:
    """The agent's 工号 of a phone channel (PJSIP/1002-0000000a); None for the carrier's and
    for Local channels."""
    if not channel.startswith("PJSIP/"):
        return None
    endpoint = channel.removeprefix("PJSIP/").rpartition("-")[0]
    return endpoint if endpoint and endpoint != "trunk" else None


def _add_agent(s: _CallState, agent: str | None) -> None:
    """The next agent who talks to the caller (issue 8): the same agent twice in a row (the
    phone answering, then the queue's AgentConnect) is one turn."""
    if agent and (not s.record.agents or s.record.agents[-1] != agent):
        s.record.agents.append(agent)


def _name(name: str, number: str) -> str:
    return "" if name in ("", "<unknown>", number) else name


def _leg(s: _CallState, e: Event) -> Leg | None:
    uid = e.get("Uniqueid")
    return next((leg for leg in s.record.legs if leg.uniqueid == uid), None)


def finish(state: _CallState) -> CallRecord:
    r = state.record
    end = r.ended_at or r.started_at
    for leg in r.legs:
        # The queue's Local channels are created before any caller ID is set on them: they
        # are legs of this caller's call, so they carry the caller's number.
        if leg.caller in ("", "<unknown>"):
            leg.caller = r.caller
    if r.agent_answered_at is not None:
        r.disposition = Disposition.ANSWERED
        r.talk_seconds = round((state.talk_end or end) - r.agent_answered_at, 3)
    elif state.forward_answered_at is not None:
        r.disposition = Disposition.FORWARDED
        r.talk_seconds = round(end - state.forward_answered_at, 3)
    elif state.refused:
        r.disposition = Disposition.REFUSED
    elif state.reached_voicemail:
        r.disposition = Disposition.VOICEMAIL
    elif r.queued_at is not None and (state.abandoned or state.caller_hung_up):
        r.disposition = Disposition.ABANDONED
    else:
        r.disposition = Disposition.MISSED
    if r.queued_at is not None:
        left = r.agent_answered_at or state.left_queue_at or end
        r.wait_seconds = round(max(0.0, left - r.queued_at), 3)
    if state.agent_hung_up:
        r.hangup_by = HangupBy.AGENT
    elif state.caller_hung_up:
        r.hangup_by = HangupBy.CALLER
    else:
        r.hangup_by = HangupBy.SYSTEM
    if state.hold_started is not None:  # still on hold when the call ended
        r.hold_seconds = round(r.hold_seconds + end - state.hold_started, 3)
        state.hold_started = None
    if r.agent and r.agents[:1] != [r.agent]:
        r.agents.insert(0, r.agent)  # `agent` is the first of `agents` (an outbound call's
        # agent is its calling party, whose channel is not an agent leg)
    if r.recording_file is None and r.answered_at is not None:
        r.recording_file = f"hotline/{r.linkedid}.raw"  # the dialplan's naming (R11)
    return r


def _ring_seconds(e: Event) -> float | None:
    # AgentRingNoAnswer reports RingTime in milliseconds, AgentConnect in seconds.
    value = _int(e.get("RingTime"))
    if value is None:
        return None
    return value / 1000 if e.get("Event") == "AgentRingNoAnswer" else float(value)
