"""QA persistence: plans and their items, forms, reviews, weekly reports. Reads the call
records through the calls table directly (Core queries, a month at a time) because the plan
reads hundreds of thousands of calls: ORM objects would cost more than the plan itself."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import String, and_, func, insert, or_, select, type_coerce
from sqlalchemy.orm import Session

from callrecords.models import Call
from callrecords.store import CallStore
from domain.status import Disposition, InspectionMode, ReviewStatus, SampleReason
from qa.models import QaForm, QaPlan, QaPlanItem, QaReview, QaWeeklyReport
from qa.sampling import PERIOD_BASE, HandledCall, Item, ProblemReview, Tallies
from qa.scoring import Form, FormItem, default_form


def month_bounds(month: str, tz: tzinfo) -> tuple[datetime, datetime]:
    """[start, end) of a month in the company's zone, as UTC."""
    year, mon = (int(p) for p in month.split("-"))
    start = datetime(year, mon, 1, tzinfo=tz)
    end = datetime(year + mon // 12, mon % 12 + 1, 1, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def month_of(when: datetime, tz: tzinfo) -> str:
    return when.astimezone(tz).strftime("%Y-%m")


def _naive_utc(value: object) -> datetime | None:
    """SQLite hands back text (read raw: SQLAlchemy's own parsing is several times slower),
    PostgreSQL an aware datetime. Naive UTC: a month of calls is read with no zone objects."""
    if value is None:
        return None
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def _driver_rows(cursor: Any) -> Iterator[tuple[Any, ...]]:
    """The driver's own tuples, a batch at a time: the columns need no conversion SQLAlchemy
    would do (a million Row objects cost as much as the query), and batches keep the raw rows
    of a big month out of memory."""
    while cursor is not None:
        batch = cursor.fetchmany(20000)
        if not batch:
            return
        yield from batch


def _local_time(start: datetime, end: datetime, tz: tzinfo) -> Callable[[datetime], datetime]:
    """Naive UTC -> naive company time. A month without a clock change (every month in
    China) is one fixed offset: an addition per call instead of a zone lookup."""
    first = start.astimezone(tz).utcoffset()
    last = (end - timedelta(microseconds=1)).astimezone(tz).utcoffset()
    if first is not None and first == last:
        offset = first
        return lambda utc: utc + offset
    return lambda utc: utc.replace(tzinfo=UTC).astimezone(tz).replace(tzinfo=None)


def _stored(value: datetime | None) -> datetime | None:
    """UTC, as every time in the database: SQLite keeps a datetime's digits and drops its
    offset, so a local time written as is would read back hours off."""
    return None if value is None else value.astimezone(UTC)


class QaStore:
    def __init__(self, calls: CallStore) -> None:
        self.calls = calls
        self.sessions = calls.sessions

    # -- what the plan reads ------------------------------------------------------------

    def month_calls(self, month: str, tz: tzinfo, service_level: float,
                    period_minutes: int = 60, agent: str | None = None
                    ) -> tuple[list[HandledCall], Tallies]:
        """One query: the month's handled calls (by agent_answered_at, in company time) and,
        per R19 period, how many calls entered the queue and how many of those were answered
        within the service level."""
        start, end = month_bounds(month, tz)
        answered_col = type_coerce(Call.agent_answered_at, String)
        queued_col = type_coerce(Call.queued_at, String)
        query = select(Call.id, Call.linkedid, Call.agent, Call.disposition, queued_col,
                       answered_col, Call.talk_seconds, Call.recording_path.is_not(None)
                       ).where(or_(and_(Call.agent_answered_at >= start,
                                        Call.agent_answered_at < end),
                                   and_(Call.queued_at >= start, Call.queued_at < end)))
        if agent is not None:  # one agent's calls only (R20); its tallies are then partial
            query = query.where(Call.agent == agent)
        local = _local_time(start, end, tz)
        lo, hi = start.replace(tzinfo=None), end.replace(tzinfo=None)
        level = timedelta(seconds=service_level)
        step = timedelta(minutes=period_minutes)
        answered_word = Disposition.ANSWERED.value
        handled: list[HandledCall] = []
        tallies: dict[int, list[int]] = {}
        with self.calls.engine.connect() as conn:
            result = conn.execute(query)
            try:
                for row in _driver_rows(result.cursor):
                    (call_id, linkedid, who, disposition, queued_raw, answered_raw, talk,
                     recorded) = row
                    queued, answered = _naive_utc(queued_raw), _naive_utc(answered_raw)
                    if queued is not None and lo <= queued < hi:
                        # The R19 tally, inlined (sampling.tally is the same, for other callers).
                        key = (local(queued) - PERIOD_BASE) // step
                        counts = tallies.get(key)
                        if counts is None:
                            counts = tallies[key] = [0, 0]
                        counts[0] += 1
                        counts[1] += answered is not None and answered - queued <= level
                    if (answered is not None and who and disposition == answered_word
                            and lo <= answered < hi):
                        handled.append(HandledCall(call_id, linkedid, who, local(answered),
                                                   talk or 0.0, bool(recorded)))
            finally:
                result.close()
        return handled, tallies

    def handled_counts(self, month: str, tz: tzinfo) -> dict[str, int]:
        start, end = month_bounds(month, tz)
        query = (select(Call.agent, func.count()).where(
            Call.disposition == Disposition.ANSWERED.value, Call.agent.is_not(None),
            Call.agent_answered_at >= start, Call.agent_answered_at < end)
            .group_by(Call.agent))
        with self.calls.engine.connect() as conn:
            return {agent: n for agent, n in conn.execute(query) if agent}

    # -- plans ----------------------------------------------------------------------------

    def plan(self, month: str) -> QaPlan | None:
        with self.sessions() as session:
            return session.get(QaPlan, month)

    def items(self, month: str) -> list[Item]:
        with self.sessions() as session:
            rows = session.scalars(select(QaPlanItem).where(QaPlanItem.month == month)
                                   .order_by(QaPlanItem.id)).all()
        return [Item(r.call_id, r.agent, InspectionMode(r.mode),
                     [SampleReason(x) for x in r.reasons], r.neighbour_of) for r in rows]

    def save_plan(self, month: str, built_at: datetime, agents: list[dict[str, Any]],
                  items: Iterable[Item]) -> None:
        with self.sessions.begin() as session:
            plan = session.get(QaPlan, month)
            built_at = _stored(built_at)  # type: ignore[assignment]
            if plan is None:
                session.add(QaPlan(month=month, built_at=built_at, agents=agents))
            else:
                plan.built_at, plan.agents = built_at, agents
            self._upsert_items(session, month, items)

    def add_items(self, month: str, items: Iterable[Item]) -> None:
        with self.sessions.begin() as session:
            self._upsert_items(session, month, items)

    def _upsert_items(self, session: Session, month: str, items: Iterable[Item]) -> None:
        stored = {r.call_id: r for r in session.scalars(
            select(QaPlanItem).where(QaPlanItem.month == month))}
        new: list[dict[str, Any]] = []
        for item in items:
            row = stored.get(item.call_id)
            if row is None:
                new.append({"month": month, "call_id": item.call_id, "agent": item.agent,
                            "mode": item.mode.value, "reasons": [r.value for r in item.reasons],
                            "neighbour_of": item.neighbour_of})
                continue
            reasons = list(row.reasons) + [r.value for r in item.reasons
                                           if r.value not in row.reasons]
            if reasons != row.reasons:
                row.reasons = reasons
            if item.mode == InspectionMode.LIVE:
                row.mode = InspectionMode.LIVE.value
            if row.neighbour_of is None and item.neighbour_of is not None:
                row.neighbour_of = item.neighbour_of
        if new:  # thousands in a big month: one executemany, not an ORM object each
            session.execute(insert(QaPlanItem), new)

    # -- forms ------------------------------------------------------------------------------

    def forms(self) -> list[Form]:
        with self.sessions() as session:
            rows = session.scalars(select(QaForm).order_by(QaForm.id)).all()
        stored = [_form(r) for r in rows]
        if not any(f.id == "r23" for f in stored):
            stored.insert(0, default_form())
        return stored

    def form(self, form_id: str) -> Form | None:
        return next((f for f in self.forms() if f.id == form_id), None)

    def save_form(self, form: Form) -> None:
        with self.sessions.begin() as session:
            row = session.get(QaForm, form.id) or QaForm(id=form.id)
            row.name = form.name
            row.items = [{"id": i.id, "title": i.title, "max_points": i.max_points,
                          "auto": i.auto, "phrases": list(i.phrases)} for i in form.items]
            session.add(row)

    # -- reviews ----------------------------------------------------------------------------

    def add_review(self, review: QaReview) -> QaReview:
        review.created_at = _stored(review.created_at)  # type: ignore[assignment]
        review.confirmed_at = _stored(review.confirmed_at)
        with self.sessions.begin() as session:
            session.add(review)
            session.flush()
            if review.root_id is None:
                review.root_id = review.id
            return review

    def review(self, review_id: int) -> QaReview | None:
        with self.sessions() as session:
            return session.get(QaReview, review_id)

    def update_review(self, review_id: int, **values: Any) -> QaReview:
        with self.sessions.begin() as session:
            row = session.get(QaReview, review_id)
            assert row is not None
            for key, value in values.items():
                setattr(row, key, _stored(value) if isinstance(value, datetime) else value)
            return row

    def reviews(self, agent: str | None = None, call_ids: Iterable[int] | None = None,
                confirmed_since: datetime | None = None,
                confirmed_until: datetime | None = None) -> list[QaReview]:
        query = select(QaReview)
        if agent is not None:
            query = query.where(QaReview.agent == agent)
        if call_ids is not None:
            query = query.where(QaReview.call_id.in_(list(call_ids)))
        if confirmed_since is not None:
            query = query.where(QaReview.confirmed_at >= _stored(confirmed_since))
        if confirmed_until is not None:
            query = query.where(QaReview.confirmed_at < _stored(confirmed_until))
        with self.sessions() as session:
            return list(session.scalars(query.order_by(QaReview.id)).all())

    def successor(self, review_id: int) -> QaReview | None:
        with self.sessions() as session:
            return session.scalar(select(QaReview).where(QaReview.supersedes == review_id))

    def latest_confirmed(self, agent: str | None = None) -> list[QaReview]:
        """The latest confirmed version of every review (R21 counts only these)."""
        query = select(QaReview).where(QaReview.status == ReviewStatus.CONFIRMED.value)
        if agent is not None:
            query = query.where(QaReview.agent == agent)
        latest: dict[int, QaReview] = {}
        with self.sessions() as session:
            for row in session.scalars(query):
                root = row.root_id or row.id
                if root not in latest or row.version > latest[root].version:
                    latest[root] = row
        return sorted(latest.values(), key=lambda r: r.id)

    def full_months(self) -> dict[str, set[str]]:
        """Agent -> months in which confirmed reviews exist and all have full marks."""
        verdict: dict[tuple[str, str], bool] = {}
        for r in self.latest_confirmed():
            key = (r.agent, r.month)
            verdict[key] = verdict.get(key, True) and r.total >= r.max_total
        out: dict[str, set[str]] = defaultdict(set)
        for (agent, month), full in verdict.items():
            if full:
                out[agent].add(month)
        return dict(out)

    def problems(self, month: str) -> list[ProblemReview]:
        return [ProblemReview(r.id, r.call_id, r.agent) for r in self.latest_confirmed()
                if r.month == month and r.total < r.max_total]

    # -- weekly reports ---------------------------------------------------------------------

    def report(self, week: str) -> QaWeeklyReport | None:
        with self.sessions() as session:
            return session.get(QaWeeklyReport, week)

    def save_report(self, report: QaWeeklyReport) -> None:
        report.drafted_at = _stored(report.drafted_at)  # type: ignore[assignment]
        report.confirmed_at = _stored(report.confirmed_at)
        with self.sessions.begin() as session:
            session.merge(report)


def _form(row: QaForm) -> Form:
    return Form(row.id, row.name, tuple(
        FormItem(i["id"], i["title"], float(i["max_points"]), i.get("auto"),
                 tuple(i.get("phrases") or ())) for i in row.items))
