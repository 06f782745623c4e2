"""A call record rebuilt from Asterisk's own Channel Event Log (issue 13, R11/R12): the calls
that ended while the bridge was down or disconnected. Pure: CEL rows in, a CallRecord out.

Like wazo-call-logd's interpreters, this reads one call's CEL rows in order; unlike them it does
not keep a second set of rules for dispositions, wait and talk: each row is translated into the
AMI event the live bridge would have received for it, and the same CallTracker builds the
record. So a reconciled record and a live one are the same computation over the same facts.

What each CEL row becomes:
- CHAN_START / ANSWER / HANGUP -> Newchannel / Newstate Up / Hangup (cause from eventextra);
  the first HANGUP naming a `hangupsource` says who hung up (the caller's own channel:
  HangupRequest).
- APP_START / APP_END of Queue -> QueueCallerJoin / QueueCallerLeave; APP_START of VoiceMail ->
  the dialplan's HotlineVoicemail.
- An agent's phone channel (PJSIP/<agent>-..., not the trunk) answering while the caller is in
  the queue -> AgentConnect (MemberName, ring time); hanging up unanswered -> AgentRingNoAnswer;
  the talk ends at the first hangup (AgentComplete, Reason "agent" when the agent's phone hung
  up first).
- A trunk channel answering that is not the call's own channel (forward, callback, outbound)
  -> DialEnd ANSWER on the call's channel.
- USER_DEFINED rows the dialplan writes with CELGenUserEvent(Name,Key=value&...) -> UserEvent.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from callrecords.record import CallRecord
from calls.tracker import CallTracker
from domain.status import RecordSource

Row = Mapping[str, Any]  # one CEL row: the columns of dialplan/cel_sqlite3_custom.conf.j2
Event = dict[str, Any]

# CEL's own event types; anything else is a USER_DEFINED row named by the dialplan.
CEL_TYPES = frozenset({"CHAN_START", "CHAN_END", "ANSWER", "HANGUP", "APP_START", "APP_END",
                       "BRIDGE_ENTER", "BRIDGE_EXIT", "LINKEDID_END", "USER_DEFINED"})


def _extra(row: Row) -> dict[str, Any]:
    try:
        value = json.loads(row.get("eventextra") or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _time(row: Row) -> float:
    try:
        return float(row.get("eventtime") or 0)
    except (TypeError, ValueError):
        return 0.0


def _phone(channel: str) -> str | None:
    """The endpoint of a PJSIP channel name (PJSIP/1001-00000001 -> 1001)."""
    if not channel.startswith("PJSIP/"):
        return None
    return channel.removeprefix("PJSIP/").rpartition("-")[0] or None


@dataclass
class _Reading:
    """What the translation needs to remember between rows of one call."""

    linkedid: str
    channels: dict[str, str] = field(default_factory=dict)  # uniqueid -> channel name
    started: dict[str, float] = field(default_factory=dict)  # uniqueid -> CHAN_START time
    answered: set[str] = field(default_factory=set)
    in_queue: bool = False
    agent: str | None = None  # the agent's phone connected to the caller
    talk_ended: bool = False
    hung_up: bool = False  # the first HANGUP (who hung up) has been seen

    def base(self, row: Row, name: str) -> Event:
        return {"Event": name, "Linkedid": self.linkedid, "Uniqueid": row.get("uniqueid", ""),
                "Channel": row.get("channame", ""), "Timestamp": row.get("eventtime")}


def events_from_cel(rows: Iterable[Row]) -> list[Event]:
    """The AMI events the live bridge would have seen for one call's CEL rows (in CEL order)."""
    ordered = list(rows)
    if not ordered:
        return []
    reading = _Reading(str(ordered[0].get("linkedid", "")))
    events: list[Event] = []
    for row in ordered:
        events.extend(_translate(reading, row))
    return events


def _translate(r: _Reading, row: Row) -> list[Event]:
    kind = str(row.get("eventtype", ""))
    uid = str(row.get("uniqueid", ""))
    channel = str(row.get("channame", ""))
    if kind == "CHAN_START":
        r.channels[uid] = channel
        r.started[uid] = _time(row)
        return [{**r.base(row, "Newchannel"), "CallerIDNum": row.get("cid_num", ""),
                 "CallerIDName": row.get("cid_name", ""), "Exten": row.get("exten", ""),
                 "Context": row.get("context", "")}]
    if kind == "ANSWER":
        return _answer(r, row, uid, channel)
    if kind == "HANGUP":
        return _hangup(r, row, uid, channel)
    if kind in ("APP_START", "APP_END"):
        return _application(r, row, kind)
    if kind == "USER_DEFINED" or kind not in CEL_TYPES:
        name = row.get("userdeftype") or kind
        fields = dict(parse_qsl(str(_extra(row).get("extra", "")), keep_blank_values=True))
        return [{**r.base(row, "UserEvent"), "UserEvent": name, **fields}]
    return []


def _answer(r: _Reading, row: Row, uid: str, channel: str) -> list[Event]:
    r.answered.add(uid)
    events = [{**r.base(row, "Newstate"), "ChannelStateDesc": "Up"}]
    phone = _phone(channel)
    if uid == r.linkedid or phone is None:
        return events
    if phone == "trunk":
        # The far end of a forward, a callback or an outbound call answered.
        events.append({**r.base(row, "DialEnd"), "Uniqueid": r.linkedid,
                       "DialStatus": "ANSWER"})
    elif r.in_queue and r.agent is None:
        r.agent = phone
        ring = _time(row) - r.started.get(uid, 0.0)
        events.append({**r.base(row, "AgentConnect"), "MemberName": phone,
                       "RingTime": str(max(0, round(ring)))})
    return events


def _hangup(r: _Reading, row: Row, uid: str, channel: str) -> list[Event]:
    extra = _extra(row)
    events: list[Event] = []
    source = str(extra.get("hangupsource") or "")
    if source.startswith("dialplan/"):
        # Asterisk hung the channel up itself (the transferring phone after a blind transfer,
        # a Local channel's other half): no party ended the call there.
        source = ""
    # The first hangup that names its source says who ended the call (an unanswered agent
    # phone's hangup names none).
    if not r.hung_up and (source or uid == r.linkedid):
        r.hung_up = True
        if source and source == r.channels.get(r.linkedid):
            events.append({**r.base(row, "HangupRequest"), "Uniqueid": r.linkedid})
        if r.agent is not None and not r.talk_ended:
            r.talk_ended = True
            by_agent = _phone(source) == r.agent
            events.append({**r.base(row, "AgentComplete"), "MemberName": r.agent,
                           "Reason": "agent" if by_agent else "caller"})
    phone = _phone(channel)
    if (r.in_queue and uid not in r.answered and phone not in (None, "trunk")
            and uid != r.linkedid):
        ring_ms = (_time(row) - r.started.get(uid, 0.0)) * 1000
        events.append({**r.base(row, "AgentRingNoAnswer"), "MemberName": phone,
                       "RingTime": str(max(0, round(ring_ms)))})
    cause = extra.get("hangupcause")
    events.append({**r.base(row, "Hangup"), "Cause": str(cause) if cause is not None else "",
                   "Cause-txt": ""})
    return events


def _application(r: _Reading, row: Row, kind: str) -> list[Event]:
    app = str(row.get("appname", "")).lower()
    if app == "queue":
        r.in_queue = kind == "APP_START"
        return [r.base(row, "QueueCallerJoin" if kind == "APP_START" else "QueueCallerLeave")]
    if app == "voicemail" and kind == "APP_START":
        return [{**r.base(row, "UserEvent"), "UserEvent": "HotlineVoicemail"}]
    return []


def record_from_cel(rows: Iterable[Row]) -> CallRecord | None:
    """The call's record, marked `reconciled`, or None when the rows hold no call (no channel
    of it started in what was logged). A call whose last hangup is missing from the log
    (Asterisk itself died) is closed at its last logged event and marked partial: the caller
    of this function has made sure it is not live any more."""
    rows = list(rows)
    events = events_from_cel(rows)
    if not events:
        return None
    tracker = CallTracker()
    record: CallRecord | None = None
    for event in events:
        record = tracker.feed(event, float(event.get("Timestamp") or 0)) or record
    if record is None:
        unfinished = tracker.resync([], max(_time(r) for r in rows))
        if not unfinished:
            return None
        record = unfinished[0]
    record.source = RecordSource.RECONCILED
    return record
