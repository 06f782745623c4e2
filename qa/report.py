"""The weekly QA report (R22), pure: the week's confirmed reviews in, the report out: problems
found (deductions per item and per agent, the worst calls), correct handling (full-mark and
excellent reviews) and the total deducted."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

WEEK = re.compile(r"^([0-9]{4})-W([0-9]{2})$")
WORST = 10  # calls listed under "worst"


def week_start(week: str) -> date:
    """Monday of an ISO week 'YYYY-Www'; ValueError if there is no such week."""
    match = WEEK.match(week)
    if not match:
        raise ValueError(f"{week!r} is not an ISO week like 2026-W48")
    return date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)


def week_bounds(week: str, tz: tzinfo) -> tuple[datetime, datetime]:
    monday = datetime.combine(week_start(week), time(0), tzinfo=tz)
    return monday, monday + timedelta(days=7)


def week_of(day: date) -> str:
    year, number, _ = day.isocalendar()
    return f"{year:04d}-W{number:02d}"


def previous_week(now: datetime, tz: tzinfo) -> str:
    return week_of(now.astimezone(tz).date() - timedelta(days=7))


@dataclass(frozen=True)
class ReviewFacts:
    review_id: int
    call_id: int
    agent: str
    total: float
    max_total: float
    deductions: dict[str, float]  # item id -> points lost
    excellent: bool
    comment: str


def build_report(week: str, reviews: Sequence[ReviewFacts]) -> dict[str, Any]:
    by_item: dict[str, list[float]] = defaultdict(list)
    by_agent: dict[str, list[ReviewFacts]] = defaultdict(list)
    for r in reviews:
        by_agent[r.agent].append(r)
        for item, points in r.deductions.items():
            by_item[item].append(points)
    worst = sorted((r for r in reviews if r.deductions), key=lambda r: (r.total, r.review_id))
    return {
        "week": week,
        "reviews": [_summary(r) for r in reviews],
        "problems": {
            "by_item": [{"item": item, "reviews": len(points), "points": sum(points)}
                        for item, points in sorted(by_item.items(),
                                                   key=lambda kv: (-sum(kv[1]), kv[0]))],
            "by_agent": [{"agent": agent, "reviews": len(rs),
                          "with_deductions": sum(1 for r in rs if r.deductions),
                          "points": sum(sum(r.deductions.values()) for r in rs),
                          "average": round(sum(r.total for r in rs) / len(rs), 2)}
                         for agent, rs in sorted(by_agent.items())],
            "worst": [_summary(r) for r in worst[:WORST]],
        },
        "excellent": [_summary(r) for r in reviews
                      if r.excellent or (not r.deductions and r.total >= r.max_total)],
        "deductions": sum(sum(r.deductions.values()) for r in reviews),
    }


def _summary(r: ReviewFacts) -> dict[str, Any]:
    return {"review_id": r.review_id, "call_id": r.call_id, "agent": r.agent,
            "total": r.total, "max_total": r.max_total,
            "full_marks": r.total >= r.max_total, "excellent": r.excellent,
            "deductions": r.deductions, "comment": r.comment,
            "recording_url": f"/calls/{r.call_id}/recording"}


CSV_COLUMNS = ("week", "status", "review_id", "call_id", "agent", "total", "max_total",
               "deducted", "deducted_items", "full_marks", "excellent", "comment")


def report_csv(report: dict[str, Any]) -> str:
    """One row per review of the week (a spreadsheet sums and filters the rest)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for r in report["reviews"]:
        deducted = sum(r["deductions"].values())
        items = " ".join(f"{k}:-{v:g}" for k, v in r["deductions"].items())
        writer.writerow([report["week"], report["status"], r["review_id"], r["call_id"],
                         r["agent"], f"{r['total']:g}", f"{r['max_total']:g}", f"{deducted:g}",
                         items, r["full_marks"], r["excellent"], r["comment"]])
    return out.getvalue()
