"""Builds and reads the monthly plan: the store's reads fed through the pure sampling rules."""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import datetime, tzinfo
from typing import Any

from callrecords.live_sessions import LiveSessionStore
from domain.status import InspectionMode, ItemStatus, ReviewStatus, SampleReason
from qa.models import QaReview
from qa.sampling import (
    Item,
    SamplingRules,
    build_plan,
    neighbours_of,
    previous_month,
)
from qa.store import QaStore, month_bounds, month_of
from settings import Settings
from settings.schema import period_minutes

MONTH = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")


def rules_of(settings: Settings) -> SamplingRules:
    qa = settings.qa
    return SamplingRules(
        sample_rate=qa.sample_rate, min_per_agent=qa.min_per_agent, live_share=qa.live_share,
        long_call_seconds=qa.long_call_seconds, service_level_target=qa.service_level_target,
        period_minutes=period_minutes(qa.period), short_call_seconds=qa.short_call_seconds,
        short_call_checks=qa.short_call_checks, neighbours=qa.neighbours,
        exempt_after_full_months=qa.exempt_after_full_months, exempt_quota=qa.exempt_quota,
        service_level_seconds=settings.queue.service_level)


def build(store: QaStore, month: str, rules: SamplingRules, tz: tzinfo, now: datetime) -> None:
    """Builds or tops up the plan of `month` (never drops an item)."""
    handled, tallies = store.month_calls(month, tz, rules.service_level_seconds,
                                         rules.period_minutes)
    plan = build_plan(month, rules, store.handled_counts(previous_month(month), tz), handled,
                      tallies, store.items(month), store.full_months(), store.problems(month))
    store.save_plan(month, now, [asdict(a) for a in plan.agents], plan.items)


def add_neighbours(store: QaStore, review: QaReview, rules: SamplingRules, tz: tzinfo) -> None:
    """R20 at once, when a review with a deduction is confirmed: the agent's calls around the
    reviewed one join its month's plan. Not for a call that is only a neighbour itself."""
    if review.total >= review.max_total:
        return
    existing = {i.call_id: i for i in store.items(review.month)}
    source = existing.get(review.call_id)
    if source is not None and source.reasons == [SampleReason.R20_NEIGHBOUR]:
        return
    mine, _partial = store.month_calls(review.month, tz, rules.service_level_seconds,
                                       agent=review.agent)
    store.add_items(review.month, [
        Item(c.call_id, c.agent, InspectionMode.POST, [SampleReason.R20_NEIGHBOUR], review.id)
        for c in neighbours_of(review.call_id, mine, rules.neighbours)])


def add_live(store: QaStore, month: str, call_id: int, agent: str) -> None:
    store.add_items(month, [Item(call_id, agent, InspectionMode.LIVE,
                                 [SampleReason.R18_LIVE])])


def with_live_sessions(store: QaStore, month: str, tz: tzinfo, items: list[Item]
                       ) -> list[Item]:
    """R18: a call of the month a supervisor listened to live (POST /live-sessions, or the
    listen code from the phone; the phone answered) is a live inspection of that call, as if
    recorded with POST /qa/plans/{month}/live: mode live, reason r18_live."""
    start, end = month_bounds(month, tz)
    by_call = {i.call_id: i for i in items}
    for call_id, agent in LiveSessionStore(store.sessions).inspected_calls(start, end):
        item = by_call.get(call_id)
        if item is None:
            items.append(Item(call_id, agent, InspectionMode.LIVE, [SampleReason.R18_LIVE]))
        elif item.mode != InspectionMode.LIVE:
            item.mode = InspectionMode.LIVE
            item.add(SampleReason.R18_LIVE)
    return items


def plan_view(store: QaStore, month: str, tz: tzinfo | None = None) -> dict[str, Any] | None:
    """The plan as the API shows it; with the company's zone, live sessions count (R18)."""
    plan = store.plan(month)
    if plan is None:
        return None
    items = store.items(month)
    if tz is not None:
        items = with_live_sessions(store, month, tz, items)
    latest = _latest_reviews(store.reviews(call_ids=[i.call_id for i in items]))
    live_done: dict[str, int] = {}
    for item in items:
        if item.mode == InspectionMode.LIVE:
            live_done[item.agent] = live_done.get(item.agent, 0) + 1
    agents = [{**a, "live_done": live_done.get(a["agent"], 0)} for a in plan.agents]
    out_items = []
    for item in items:
        review = latest.get(item.call_id)
        status = ItemStatus.TODO if review is None else (
            ItemStatus.CONFIRMED if review.status == ReviewStatus.CONFIRMED
            else ItemStatus.REVIEWED)
        out_items.append({"call_id": item.call_id, "agent": item.agent, "mode": item.mode,
                          "reasons": list(item.reasons),
                          "review_id": review.id if review else None, "status": status,
                          "neighbour_of": item.neighbour_of})
    out_items.sort(key=lambda i: (i["agent"], i["call_id"]))
    return {"month": month, "built_at": plan.built_at, "agents": agents, "items": out_items}


def _latest_reviews(reviews: list[QaReview]) -> dict[int, QaReview]:
    latest: dict[int, QaReview] = {}
    for r in reviews:
        if r.call_id not in latest or r.id > latest[r.call_id].id:
            latest[r.call_id] = r
    return latest


__all__ = ["MONTH", "add_live", "add_neighbours", "build", "month_of", "plan_view", "rules_of"]
