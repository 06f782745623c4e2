"""Drafting, confirming and rendering the weekly report (R22), and the background task that
drafts last week's report every Monday. The task asks the one clock (domain.clock) what time
it is, so a test moves a ManualClock to Monday and calls `tick()`."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta, tzinfo
from functools import cache
from importlib import resources
from typing import Any

import jinja2

from domain.clock import Clock
from domain.status import ReportStatus
from jobs.periodic import PeriodicJob
from qa.errors import ReportConfirmed
from qa.models import QaReview, QaWeeklyReport
from qa.report import ReviewFacts, build_report, previous_week, week_bounds
from qa.store import QaStore

log = logging.getLogger("hotline.qa")


def _facts(review: QaReview, max_points: dict[str, float]) -> ReviewFacts:
    deductions = {}
    for item in review.items:
        lost = max_points.get(item["id"], item["points"]) - item["points"]
        if lost > 0:
            deductions[item["id"]] = lost
    return ReviewFacts(review.id, review.call_id, review.agent, review.total, review.max_total,
                       deductions, review.excellent, review.comment)


def week_reviews(store: QaStore, week: str, tz: tzinfo) -> list[ReviewFacts]:
    """The latest confirmed version of each review chain, confirmed during the week."""
    start, end = week_bounds(week, tz)
    forms = {f.id: {i.id: i.max_points for i in f.items} for f in store.forms()}
    latest: dict[int, QaReview] = {}
    for r in store.reviews(confirmed_until=end):
        if r.confirmed_at is None:
            continue
        root = r.root_id or r.id
        if root not in latest or r.version > latest[root].version:
            latest[root] = r
    chosen = []
    for r in sorted(latest.values(), key=lambda r: r.id):
        confirmed = r.confirmed_at
        assert confirmed is not None
        if confirmed.tzinfo is None:  # SQLite drops the offset; the store writes UTC
            confirmed = confirmed.replace(tzinfo=UTC)
        if confirmed >= start:
            chosen.append(_facts(r, forms.get(r.form_id, {})))
    return chosen


def draft(store: QaStore, week: str, tz: tzinfo, now: datetime) -> QaWeeklyReport:
    """Drafts (or drafts again) the week's report; a confirmed report is final."""
    existing = store.report(week)
    if existing is not None and existing.status == ReportStatus.CONFIRMED:
        raise ReportConfirmed(details={"week": week})
    body = build_report(week, week_reviews(store, week, tz))
    report = QaWeeklyReport(week=week, status=ReportStatus.DRAFT.value, body=body,
                            drafted_at=now, confirmed_at=None)
    store.save_report(report)
    return report


def confirm(store: QaStore, report: QaWeeklyReport, now: datetime) -> QaWeeklyReport:
    if report.status == ReportStatus.CONFIRMED:
        raise ReportConfirmed(details={"week": report.week})
    report.status, report.confirmed_at = ReportStatus.CONFIRMED.value, now
    store.save_report(report)
    return report


def report_json(report: QaWeeklyReport, confirmed_at: str | None) -> dict[str, Any]:
    return {**report.body, "week": report.week, "status": report.status,
            "confirmed_at": confirmed_at}


@cache
def _template() -> jinja2.Template:
    source = resources.files("qa").joinpath("weekly.html.j2").read_text("utf-8")
    return jinja2.Environment(autoescape=True).from_string(source)


def report_html(report: dict[str, Any], tz: tzinfo, titles: dict[str, str]) -> str:
    start, end = week_bounds(report["week"], tz)
    last_day = (end - timedelta(days=1)).date()
    return _template().render(report=report, start=start.date().isoformat(),
                              end=last_day.isoformat(), titles=titles)


class WeeklyDrafter:
    """Every Monday (company time), last week's report is drafted if it does not exist yet.
    `tick()` does one check; `start()` runs it every `interval` seconds."""

    def __init__(self, store: QaStore, clock: Clock, tz: tzinfo, interval: float = 300) -> None:
        self.store, self.clock, self.tz, self.interval = store, clock, tz, interval
        self._job = PeriodicJob("weekly-qa-report", lambda: asyncio.to_thread(self.tick),
                                interval, "drafting the weekly QA report failed")

    def tick(self) -> str | None:
        """The week drafted now, or None. Any day of the week drafts a missing report of the
        previous week: a service that was down on Monday catches up."""
        now = self.clock()
        week = previous_week(now, self.tz)
        if self.store.report(week) is not None:
            return None
        draft(self.store, week, self.tz, now)
        log.info("weekly QA report %s drafted", week)
        return week

    def start(self) -> None:
        self._job.start()

    async def stop(self) -> None:
        await self._job.stop()

