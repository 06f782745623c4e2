"""One call record (R12) as the tracker builds it and the store keeps it: a plain dataclass, so
the pure tracker, the spool and the store share one shape."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from domain.status import Decider, Direction, Disposition, HangupBy, RecordSource, Route


@dataclass
class Leg:
    uniqueid: str
    channel: str
    started_at: float
    caller: str = ""
    answered_at: float | None = None
    ended_at: float | None = None
    cause: int | None = None
    cause_text: str = ""


@dataclass
class CallRecord:
    linkedid: str
    started_at: float
    caller: str = ""
    caller_name: str = ""
    called: str = ""
    answered_at: float | None = None
    queued_at: float | None = None
    agent_answered_at: float | None = None
    ended_at: float | None = None
    route: Route | None = None
    decided_by: Decider | None = None
    agent: str | None = None
    disposition: Disposition = Disposition.MISSED
    wait_seconds: float | None = None
    talk_seconds: float = 0.0
    hangup_cause: str = ""
    hangup_by: HangupBy | None = None
    recording_file: str | None = None  # MixMonitor's file, relative to the monitor spool
    ring_attempts: list[dict[str, Any]] = field(default_factory=list)
    legs: list[Leg] = field(default_factory=list)
    partial: bool = False  # some events were missed (bridge restarted or disconnected)
    direction: Direction = Direction.INBOUND
    source: RecordSource = RecordSource.LIVE  # issue 13: live, reconciled (from CEL)
    # issue 8 (R9): seconds the caller spent on hold (all holds), and every agent who talked
    # to the caller, in order (a transfer adds one; `agent` stays the first).
    hold_seconds: float = 0.0
    agents: list[str] = field(default_factory=list)


def record_to_dict(record: CallRecord) -> dict[str, Any]:
    return asdict(record)


def record_from_dict(d: Mapping[str, Any]) -> CallRecord:
    """The inverse of record_to_dict. Raises TypeError for an unknown or missing field and
    ValueError for an unknown status word (a line written by another version)."""
    data = dict(d)
    data["legs"] = [Leg(**leg) for leg in data.get("legs", [])]
    for key, kind in (("route", Route), ("decided_by", Decider), ("hangup_by", HangupBy)):
        if data.get(key):
            data[key] = kind(data[key])
        else:
            data[key] = None
    if data.get("direction"):
        data["direction"] = Direction(data["direction"])
    if data.get("source"):
        data["source"] = RecordSource(data["source"])
    if "disposition" in data:
        data["disposition"] = Disposition(data["disposition"])
    return CallRecord(**data)
