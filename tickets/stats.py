"""The month's ticket statistics (R16: categories, counts, handling, callbacks, causes), pure:
from the month's tickets and their clocks to the numbers a supervisor reports, as JSON rows,
CSV and a chart."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from domain.status import CallbackResult, ClockState, ComplaintKind, TicketCategory
from tickets.clocks import ClockView
from tickets.lifecycle import CALLBACK_DONE

UNSET = "unset"  # the key for a field not yet triaged (null)
CLOCK_NAMES = ("start", "react", "result", "callback", "answer", "reply")

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def month_bounds(month: str, tz: tzinfo) -> tuple[datetime, datetime]:
    """'2026-11' -> [1 Nov 00:00, 1 Dec 00:00) in the company's zone; ValueError otherwise."""
    m = _MONTH.match(month)
    if m is None:
        raise ValueError(f"{month!r} is not YYYY-MM")
    first = datetime(int(m.group(1)), int(m.group(2)), 1, tzinfo=tz)
    after = (first + timedelta(days=32)).replace(day=1)
    return first, after


@dataclass(frozen=True)
class TicketLine:
    """What the statistics need of one ticket."""

    category: str | None
    cause: str | None
    complaint_kind: str | None
    severity: str | None
    status: str
    accepted_at: datetime
    resolved_at: datetime | None
    callbacks: Sequence[CallbackResult]
    clocks: Sequence[ClockView]


def _count(values: Sequence[str | None]) -> dict[str, int]:
    return dict(sorted(Counter(v or UNSET for v in values).items()))


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default); None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def _rate(lines: Sequence[TicketLine], kind: ComplaintKind) -> float | None:
    """Called back (with the customer's answer) / resolved, among this kind of complaint."""
    resolved = [t for t in lines if t.category == TicketCategory.COMPLAINT
                and t.complaint_kind == kind and t.resolved_at is not None]
    if not resolved:
        return None
    done = sum(any(r in CALLBACK_DONE for r in t.callbacks) for t in resolved)
    return round(done / len(resolved), 4)


def month_stats(month: str, lines: Sequence[TicketLine], partial: bool) -> dict[str, Any]:
    clocks = {name: {"met": 0, "breached": 0, "running": 0} for name in CLOCK_NAMES}
    for t in lines:
        for c in t.clocks:
            if c.state is not ClockState.PENDING:
                clocks[c.name][c.state.value] += 1
    hours = [(t.resolved_at - t.accepted_at).total_seconds() / 3600 for t in lines
             if t.resolved_at is not None]
    results = Counter(r.value for t in lines for r in t.callbacks)
    p50, p90 = percentile(hours, 0.5), percentile(hours, 0.9)
    return {
        "month": month, "partial": partial, "total": len(lines),
        "by_category": _count([t.category for t in lines]),
        "by_cause": _count([t.cause for t in lines]),
        "by_kind": _count([t.complaint_kind for t in lines if t.category == "complaint"]),
        "by_severity": _count([t.severity for t in lines if t.category == "complaint"]),
        "by_status": _count([t.status for t in lines]),
        "clocks": clocks,
        "callbacks": {
            "done": sum(any(r in CALLBACK_DONE for r in t.callbacks) for t in lines),
            "by_result": {r.value: results.get(r.value, 0) for r in CallbackResult},
            "rate_responsible": _rate(lines, ComplaintKind.RESPONSIBLE),
            "rate_assistance": _rate(lines, ComplaintKind.ASSISTANCE)},
        "handling_hours": {"p50": None if p50 is None else round(p50, 2),
                           "p90": None if p90 is None else round(p90, 2)},
    }


def stats_csv(stats: dict[str, Any]) -> str:
    """The same numbers as the JSON, one per row: section, key, value (nested sections are
    dotted: clocks.start,met,3)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(["section", "key", "value"])

    def rows(prefix: str, value: Any) -> None:
        for key, item in value.items():
            if isinstance(item, dict):
                rows(f"{prefix}.{key}" if prefix else key, item)
            else:
                w.writerow([prefix or key, key if prefix else "", "" if item is None else
                            str(item).lower() if isinstance(item, bool) else item])

    rows("", stats)
    return out.getvalue()
