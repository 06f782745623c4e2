"""The monthly QA plan (R18-R21), pure: what the store read goes in, the plan comes out.

Reproducible: picks are the calls with the smallest CRC-32 of "<month>|<salt>|<linkedid>", so
the same records always give the same picks, in any database (ids may differ, linkedids do
not). Explained: every item lists the rules that picked it, every agent entry says how its
quota was reached. Building again only tops up: existing items are never dropped."""

from __future__ import annotations

import heapq
import math
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from domain.status import InspectionMode, SampleReason


@dataclass(frozen=True)
class SamplingRules:
    """The [qa] settings (plus [queue] service_level) the plan depends on."""

    sample_rate: float = 0.01
    min_per_agent: int = 1
    live_share: float = 0.3
    long_call_seconds: float = 300
    service_level_target: float = 0.8
    period_minutes: int = 60
    short_call_seconds: float = 20
    short_call_checks: int = 1
    neighbours: int = 1
    exempt_after_full_months: int = 2
    exempt_quota: int = 5
    service_level_seconds: float = 30


class HandledCall(NamedTuple):
    """An answered inbound call of the plan's month, by agent_answered_at. A tuple, not a
    dataclass: a month may hold a million of them, and building them is most of the read."""

    call_id: int
    linkedid: str
    agent: str
    answered: datetime  # company time (naive in the store's reads, aware in some tests)
    talk_seconds: float
    recorded: bool


@dataclass
class Item:
    call_id: int
    agent: str
    mode: InspectionMode
    reasons: list[SampleReason]
    neighbour_of: int | None = None  # R20: the review that found the problem

    def add(self, reason: SampleReason) -> bool:
        if reason in self.reasons:
            return False
        self.reasons.append(reason)
        return True


@dataclass
class AgentEntry:
    agent: str
    handled_previous_month: int
    quota: int
    live: int
    post: int
    live_done: int
    exempt: bool
    explanation: str


@dataclass
class Plan:
    month: str
    agents: list[AgentEntry]
    items: list[Item] = field(default_factory=list)


def previous_month(month: str, back: int = 1) -> str:
    year, mon = (int(p) for p in month.split("-"))
    index = year * 12 + mon - 1 - back
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def normal_quota(handled: int, rules: SamplingRules) -> int:
    """R18: ceil(sample_rate x previous-month calls), at least min_per_agent if any."""
    if handled <= 0:
        return 0
    # round() first: 0.01 * 300 is 3.0000000000000004 in binary, which ceil makes 4.
    return max(math.ceil(round(rules.sample_rate * handled, 9)), rules.min_per_agent)


def split(quota: int, live_share: float) -> tuple[int, int]:
    """(live, post): live = floor(quota x live_share + 0.5)."""
    live = math.floor(quota * live_share + 0.5)
    return live, quota - live


def is_exempt(month: str, full_months: set[str], rules: SamplingRules) -> bool:
    """R21: the previous `exempt_after_full_months` months were all full-marks months and
    none of them was itself an exempt month (so the month after an exemption is normal)."""
    earlier = [previous_month(month, k) for k in range(1, rules.exempt_after_full_months + 1)]
    if not all(m in full_months for m in earlier):
        return False
    return not any(is_exempt(m, full_months, rules) for m in earlier)


PERIOD_BASE = datetime(2000, 1, 1)  # a midnight: periods that divide a day tile every day


def period_key(when: datetime, minutes: int) -> int:
    """The number of the period (R19, `minutes` long, tiling each day) in which `when`, a
    company time, falls."""
    return (when.replace(tzinfo=None) - PERIOD_BASE) // timedelta(minutes=minutes)


Tallies = Mapping[int, list[int]]  # period key -> [entered the queue, answered within level]


def tally(entries: Iterable[tuple[datetime, bool]], minutes: int) -> dict[int, list[int]]:
    """(queued at, answered within the service level) per call -> per-period counts."""
    out: dict[int, list[int]] = {}
    for queued, within in entries:
        counts = out.setdefault(period_key(queued, minutes), [0, 0])
        counts[0] += 1
        counts[1] += within
    return out


def missed_periods(tallies: Tallies, rules: SamplingRules) -> set[int]:
    """R19: the periods whose answer rate within the service level is below the target."""
    return {key for key, (entered, within) in tallies.items()
            if entered and within < rules.service_level_target * entered}


def pick(calls: Iterable[HandledCall], count: int, month: str, salt: str) -> list[HandledCall]:
    """The `count` calls with the smallest CRC-32 of "<month>|<salt>|<linkedid>" (ties by
    id): reproducible, and spread like a random draw."""
    if count <= 0:
        return []
    prefix = zlib.crc32(f"{month}|{salt}|".encode())  # crc32(a + b) == crc32(b, crc32(a))
    return heapq.nsmallest(count, calls,
                           key=lambda c: (zlib.crc32(c.linkedid.encode(), prefix), c.call_id))


def neighbours_of(call_id: int, agent_calls: Sequence[HandledCall], n: int
                  ) -> list[HandledCall]:
    """R20: the agent's handled calls just before and after this one (n on each side), by
    agent_answered_at. `agent_calls` are one agent's calls of the month."""
    ordered = sorted(agent_calls, key=lambda c: (c.answered, c.call_id))
    at = next((i for i, c in enumerate(ordered) if c.call_id == call_id), None)
    if at is None:
        return []
    return ordered[max(0, at - n):at] + ordered[at + 1:at + 1 + n]


@dataclass(frozen=True)
class ProblemReview:
    """A confirmed review with a deduction (R20), of a call of the plan's month."""

    review_id: int
    call_id: int
    agent: str


def build_plan(month: str, rules: SamplingRules, previous_counts: Mapping[str, int],
               handled: Sequence[HandledCall], tallies: Tallies,
               existing: Sequence[Item], full_months: Mapping[str, set[str]],
               problems: Sequence[ProblemReview] = ()) -> Plan:
    """The plan of `month`, topping up `existing` (its items are kept as they are)."""
    items: dict[int, Item] = {i.call_id: i for i in existing}

    def add(call: HandledCall, reason: SampleReason, mode: InspectionMode = InspectionMode.POST,
            neighbour_of: int | None = None) -> None:
        item = items.get(call.call_id)
        if item is None:
            items[call.call_id] = Item(call.call_id, call.agent, mode, [reason], neighbour_of)
            return
        item.add(reason)
        if neighbour_of is not None and item.neighbour_of is None:
            item.neighbour_of = neighbour_of

    by_agent: dict[str, list[HandledCall]] = defaultdict(list)
    for call in handled:
        by_agent[call.agent].append(call)

    # Counted once (500 agents x thousands of items would be quadratic).
    counts = Counter((i.agent, r) for i in existing for r in i.reasons)
    agents: list[AgentEntry] = []
    for agent in sorted(set(by_agent) | {a for a, n in previous_counts.items() if n > 0}):
        calls = by_agent.get(agent, [])
        entry = _agent_entry(agent, previous_counts.get(agent, 0), rules,
                             is_exempt(month, full_months.get(agent, set()), rules))
        have = counts[agent, SampleReason.R18_SAMPLE]
        candidates = [c for c in calls
                      if c.recorded and not _has(items, c, SampleReason.R18_SAMPLE)]
        for call in pick(candidates, entry.post - have, month, "r18"):
            add(call, SampleReason.R18_SAMPLE)
        # R19: spot checks of short calls, beyond the quota.
        have = counts[agent, SampleReason.R19_SHORT]
        short = [c for c in calls if c.talk_seconds < rules.short_call_seconds
                 and not _has(items, c, SampleReason.R19_SHORT)]
        for call in pick(short, rules.short_call_checks - have, month, "r19_short"):
            add(call, SampleReason.R19_SHORT)
        agents.append(entry)

    # R19: every long call of a period that missed the service-level target.
    missed = missed_periods(tallies, rules)
    for call in handled:
        if (call.talk_seconds > rules.long_call_seconds
                and period_key(call.answered, rules.period_minutes) in missed):
            add(call, SampleReason.R19_LONG_IN_MISSED_PERIOD)

    # R20: the neighbours of a call whose confirmed review found a problem. A call that is in
    # the plan only as a neighbour does not bring its own neighbours.
    for problem in problems:
        source = items.get(problem.call_id)
        if source is not None and source.reasons == [SampleReason.R20_NEIGHBOUR]:
            continue
        for call in neighbours_of(problem.call_id, by_agent.get(problem.agent, []),
                                  rules.neighbours):
            add(call, SampleReason.R20_NEIGHBOUR, neighbour_of=problem.review_id)

    live = Counter(i.agent for i in items.values() if i.mode == InspectionMode.LIVE)
    for entry in agents:
        entry.live_done = live[entry.agent]
    answered = {c.call_id: c.answered for c in handled}
    ordered = sorted(items.values(), key=lambda i: (i.agent, answered.get(i.call_id, _EPOCH)
                                                    .isoformat(), i.call_id))
    return Plan(month, agents, ordered)


_EPOCH = datetime(1970, 1, 1)


def _has(items: Mapping[int, Item], call: HandledCall, reason: SampleReason) -> bool:
    item = items.get(call.call_id)
    return item is not None and reason in item.reasons


def _agent_entry(agent: str, handled_before: int, rules: SamplingRules, exempt: bool
                 ) -> AgentEntry:
    quota = normal_quota(handled_before, rules)
    why = (f"R18: ceil({rules.sample_rate} x {handled_before} calls last month)"
           f"{f', at least {rules.min_per_agent}' if handled_before else ''} = {quota}")
    if exempt:
        quota = min(quota, rules.exempt_quota)
        why += (f"; R21 exempt after {rules.exempt_after_full_months} full-marks months: "
                f"at most {rules.exempt_quota} = {quota}")
    live, post = split(quota, rules.live_share)
    why += f"; live = floor({quota} x {rules.live_share} + 0.5) = {live}, post = {post}"
    return AgentEntry(agent, handled_before, quota, live, post, 0, exempt, why)
