"""Reviews (R23): drafts, confirmation (then immutable), revisions; the agent archive and the
library of excellent recordings (R22)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

from callrecords.models import Call
from callrecords.store import CallStore
from domain.status import ReviewStatus
from qa.errors import (
    Refused,
    ReviewConfirmed,
    ReviewExists,
    ReviewNotConfirmed,
    ReviewSuperseded,
)
from qa.models import QaReview
from qa.sampling import SamplingRules, is_exempt
from qa.scoring import Form, ScoredItem, ScoreError, score
from qa.store import QaStore, month_of


def _score(form: Form, items: Sequence[ScoredItem]) -> tuple[list[dict[str, Any]], float]:
    try:
        result = score(form, items)
    except ScoreError as e:
        raise Refused(e.kind, e.field, str(e)) from e
    return [{"id": i.id, "points": i.points, "note": i.note, "at_seconds": i.at_seconds}
            for i in result.items], result.total


def reviewable_call(calls: CallStore, call_id: int) -> Call:
    call = calls.get(call_id)
    if call is None:
        raise Refused("review.call_not_found", "call_id", f"no call {call_id}")
    if call.recording_path is None or call.agent is None or call.agent_answered_at is None:
        raise Refused("review.no_recording", "call_id",
                      f"call {call_id} has no recording of an agent to review")
    return call


def create(store: QaStore, call: Call, form: Form, items: Sequence[ScoredItem], comment: str,
           excellent: bool, author: str, now: datetime, tz: tzinfo) -> QaReview:
    existing = store.reviews(call_ids=[call.id])
    if existing:
        raise ReviewExists(details={"field": "call_id", "review_id": existing[0].id})
    scored, total = _score(form, items)
    answered = call.agent_answered_at
    assert answered is not None  # reviewable_call checked it
    if answered.tzinfo is None:
        answered = answered.replace(tzinfo=UTC)
    return store.add_review(QaReview(
        version=1, call_id=call.id, agent=call.agent or "", month=month_of(answered, tz),
        form_id=form.id, status=ReviewStatus.DRAFT.value, items=scored, comment=comment,
        excellent=excellent, total=total, max_total=form.max_total, created_at=now,
        author=author))


def edit(store: QaStore, review: QaReview, form: Form, items: Sequence[ScoredItem] | None,
         comment: str | None, excellent: bool | None) -> QaReview:
    if review.status == ReviewStatus.CONFIRMED:
        raise ReviewConfirmed(details={"id": review.id})
    values: dict[str, Any] = {}
    if items is not None:
        values["items"], values["total"] = _score(form, items)
    if comment is not None:
        values["comment"] = comment
    if excellent is not None:
        values["excellent"] = excellent
    return store.update_review(review.id, **values)


def confirm(store: QaStore, review: QaReview, now: datetime) -> QaReview:
    if review.status == ReviewStatus.CONFIRMED:
        raise ReviewConfirmed(details={"id": review.id})
    return store.update_review(review.id, status=ReviewStatus.CONFIRMED.value,
                               confirmed_at=now)


def revise(store: QaStore, review: QaReview, form: Form, items: Sequence[ScoredItem] | None,
           comment: str | None, excellent: bool | None, author: str, now: datetime
           ) -> QaReview:
    """A correction of a confirmed review: a new draft, version + 1, superseding it."""
    if review.status != ReviewStatus.CONFIRMED:
        raise ReviewNotConfirmed(details={"id": review.id})
    later = store.successor(review.id)
    if later is not None:
        raise ReviewSuperseded(details={"id": review.id, "superseded_by": later.id})
    if items is None:
        scored, total = list(review.items), review.total
    else:
        scored, total = _score(form, items)
    return store.add_review(QaReview(
        root_id=review.root_id or review.id, version=review.version + 1, supersedes=review.id,
        call_id=review.call_id, agent=review.agent, month=review.month, form_id=form.id,
        status=ReviewStatus.DRAFT.value, items=scored,
        comment=review.comment if comment is None else comment,
        excellent=review.excellent if excellent is None else excellent, total=total,
        max_total=form.max_total, created_at=now, author=author))


def archive(store: QaStore, agent: str, rules: SamplingRules) -> dict[str, Any]:
    """R22: the agent's months (confirmed reviews, latest versions) and all its reviews."""
    latest = store.latest_confirmed(agent)
    full = store.full_months().get(agent, set())
    months: dict[str, list[QaReview]] = {}
    for r in latest:
        months.setdefault(r.month, []).append(r)
    return {
        "agent": agent,
        "months": [{"month": m, "reviews": len(rs),
                    "average": round(sum(r.total for r in rs) / len(rs), 2),
                    "full_marks": m in full, "exempt": is_exempt(m, full, rules)}
                   for m, rs in sorted(months.items())],
        "reviews": store.reviews(agent=agent),
    }
