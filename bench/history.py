"""Synthetic call history for the benchmarks: one month of inbound calls across many agents,
written as the JSON lines `hotline calls import` reads (the shape GET /calls/{id} returns).

Deterministic for a seed. About 95% of the calls are answered (talk 5-900 s), the rest abandoned
in the queue; calls spread over working hours (09:00-18:00) of every day. Waits average 8 s,
except on Mondays 11:00-12:00 (45 s): those periods miss the 30-second answer-rate target (R19)."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Asia/Shanghai")


def month_days(month: str) -> list[datetime]:
    year, mon = (int(p) for p in month.split("-"))
    day = datetime(year, mon, 1, tzinfo=ZONE)
    days = []
    while day.month == mon:
        days.append(day)
        day += timedelta(days=1)
    return days


def write_month(path: Path, month: str, calls: int, agents: int, seed: int = 1,
                first_agent: int = 1001) -> int:
    rng = random.Random(seed)
    days = month_days(month)
    span = 9 * 3600
    with path.open("w", encoding="utf-8") as out:
        for n in range(calls):
            day = days[n * len(days) // calls]
            started = day + timedelta(hours=9, seconds=rng.uniform(0, span))
            queued = started + timedelta(seconds=6)
            rush = started.weekday() == 0 and started.hour == 11
            wait = rng.expovariate(1 / (45 if rush else 8))
            line: dict[str, object] = {
                "linkedid": f"{month}.{n}", "caller": f"138{rng.randrange(10**8):08d}",
                "called": "4008001234", "started_at": started.isoformat(),
                "answered_at": (started + timedelta(seconds=0.5)).isoformat(),
                "queued_at": queued.isoformat(), "route": "agent", "decided_by": "fastagi"}
            if rng.random() < 0.95:
                talk = rng.uniform(5, 900)
                answered = queued + timedelta(seconds=wait)
                line.update(agent=str(first_agent + rng.randrange(agents)),
                            agent_answered_at=answered.isoformat(),
                            ended_at=(answered + timedelta(seconds=talk)).isoformat(),
                            disposition="answered", wait_seconds=round(wait, 3),
                            talk_seconds=round(talk, 3), hangup_by="caller")
            else:
                line.update(ended_at=(queued + timedelta(seconds=wait)).isoformat(),
                            disposition="abandoned", wait_seconds=round(wait, 3),
                            hangup_by="caller")
            out.write(json.dumps(line, ensure_ascii=False))
            out.write("\n")
    return calls
