"""A year of call records for the API benchmark, written with the project's own store code
(`CallStore.migrate` then `CallStore.insert_many`, the path `hotline calls import` takes).

Deterministic for a seed. The mix a busy centre sees: 85% answered (two legs, a recording),
7% abandoned in the queue, 5% voicemail, 3% missed; 500 agents; callers drawn from 200,000
numbers (so a caller has a handful of calls); calls spread over the working hours of 365 days.
Every answered call's recording points at the same real WAV (`bench.wav` in the recordings
folder): the API benchmark measures the database and the HTTP path, not the disk cache."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from callrecords.store import CallStore

FIRST_DAY = datetime(2025, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
AGENTS = 500
FIRST_AGENT = 1001
CALLERS = 200_000
RECORDING = "bench.wav"


def _call(n: int, calls: int, rng: random.Random) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    day = FIRST_DAY + timedelta(days=n * 365 // calls)
    started = day + timedelta(seconds=rng.uniform(0, 9 * 3600))
    queued = started + timedelta(seconds=6)
    wait = rng.expovariate(1 / 8)
    roll = rng.random()
    caller = f"138{rng.randrange(CALLERS):08d}"
    call: dict[str, Any] = {
        "linkedid": f"{1_700_000_000 + n}.{n}", "caller": caller, "caller_name": "",
        "called": "4008001234", "started_at": started,
        "answered_at": started + timedelta(seconds=0.5), "queued_at": queued,
        "route": "agent", "decided_by": "fastagi", "hangup_cause": "Normal Clearing",
        "hangup_by": "caller", "ring_attempts": [], "partial": False, "direction": "inbound",
        "agent": None, "agent_answered_at": None, "talk_seconds": 0.0,
        "wait_seconds": round(wait, 3), "recording_path": None,
        "recording_duration": None, "recording_channels": None, "recording_sha256": None,
    }
    trunk = {"uniqueid": call["linkedid"], "channel": f"PJSIP/trunk-{n:08x}",
             "caller": caller, "started_at": started, "answered_at": call["answered_at"],
             "cause": 16, "cause_text": "Normal Clearing"}
    legs = [trunk]
    if roll < 0.85:
        agent = str(FIRST_AGENT + rng.randrange(AGENTS))
        answered = queued + timedelta(seconds=wait)
        talk = rng.uniform(5, 900)
        ended = answered + timedelta(seconds=talk)
        call.update(agent=agent, agent_answered_at=answered, ended_at=ended,
                    disposition="answered", talk_seconds=round(talk, 3),
                    ring_attempts=[{"agent": agent, "at": answered.timestamp() - 2,
                                    "ring_seconds": 2.0, "answered": True}],
                    recording_path=RECORDING, recording_duration=round(talk, 3),
                    recording_channels=2, recording_sha256="0" * 64)
        legs.append({"uniqueid": f"{call['linkedid']}1", "channel": f"PJSIP/{agent}-{n:08x}",
                     "caller": "4008001234", "started_at": answered - timedelta(seconds=2),
                     "answered_at": answered, "ended_at": ended, "cause": 16,
                     "cause_text": "Normal Clearing"})
    elif roll < 0.92:
        call.update(disposition="abandoned", ended_at=queued + timedelta(seconds=wait))
    elif roll < 0.97:
        call.update(disposition="voicemail", route="voicemail",
                    ended_at=queued + timedelta(seconds=wait + 40), decided_by="queue")
    else:
        call.update(disposition="missed", ended_at=queued + timedelta(seconds=wait),
                    hangup_by="system")
    trunk["ended_at"] = call["ended_at"]
    return call, legs


def synthetic_calls(calls: int, seed: int = 1) -> Iterator[tuple[dict[str, Any],
                                                                 list[dict[str, Any]]]]:
    rng = random.Random(seed)
    for n in range(calls):
        yield _call(n, calls, rng)


def seed(store: CallStore, calls: int, batch: int = 2000) -> int:
    """Inserts `calls` synthetic records into a migrated store; returns how many."""
    rows: list[dict[str, Any]] = []
    legs: list[list[dict[str, Any]]] = []
    done = 0
    for call, call_legs in synthetic_calls(calls):
        rows.append(call)
        legs.append(call_legs)
        if len(rows) == batch:
            store.insert_many(rows, legs)
            done += len(rows)
            rows, legs = [], []
    if rows:
        store.insert_many(rows, legs)
        done += len(rows)
    return done
