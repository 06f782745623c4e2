"""Routes under /qa: the monthly plan (R18-R21), forms and reviews (R23), the agent archive
and the excellent recordings (R22). Plain `def` handlers: the store is synchronous.

Roles: qa, supervisor and admin may do everything here (forms: admin and supervisor); an
`agent:<工号>` token reads its own reviews and archive only; ticket nothing."""

from __future__ import annotations

from datetime import tzinfo
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from api.auth import Principal
from api.deps import AppClock, CompanyZone, CurrentPrincipal, ensure_role, require_role
from api.errors import Forbidden
from api.schemas import MAX_ID, ErrorOut
from callrecords.store import CallStore
from domain.status import ReviewStatus
from qa import planning, reviewing
from qa.errors import FormNotFound, InvalidMonth, PlanNotFound, Refused, ReviewNotFound
from qa.models import QaReview
from qa.planning import MONTH, rules_of
from qa.report_http import router as report_router
from qa.sampling import SamplingRules
from qa.schemas import (
    FormIn,
    LiveIn,
    PlanIn,
    ReviewIn,
    ReviewPatch,
    form_out,
    review_out,
    time_out,
)
from qa.scoring import Form, FormItem, ScoreError, check_form, prefill
from qa.store import QaStore, month_bounds

STAFF = ("qa", "supervisor", "admin")
FORM_EDITORS = ("supervisor", "admin")
Staff = Annotated[Principal, Depends(require_role(*STAFF))]
FormEditor = Annotated[Principal, Depends(require_role(*FORM_EDITORS))]

ReviewId = Annotated[int, Path(ge=1, le=MAX_ID)]

_ERRORS = {401: {"model": ErrorOut}, 403: {"model": ErrorOut}, 404: {"model": ErrorOut},
           422: {"model": ErrorOut}, 503: {"model": ErrorOut}}
router = APIRouter(tags=["qa"], responses=_ERRORS)  # type: ignore[arg-type]


def qa_store(request: Request) -> QaStore:
    return QaStore(request.app.state.call_store)


def _calls(request: Request) -> CallStore:
    store: CallStore = request.app.state.call_store
    return store


def _rules(request: Request) -> SamplingRules:
    return rules_of(request.app.state.settings)


def _month(month: str) -> str:
    if not MONTH.match(month):
        raise InvalidMonth(details={"field": "month", "month": month})
    return month


def _plan(store: QaStore, month: str, tz: tzinfo) -> dict[str, Any]:
    view = planning.plan_view(store, month, tz)
    if view is None:
        raise PlanNotFound(details={"month": month})
    view["built_at"] = time_out(view["built_at"], tz)
    return view


@router.post("/qa/plans", summary="Build (or top up) the month's QA plan (R18-R21)")
def post_plan(request: Request, body: PlanIn, _p: Staff, clock: AppClock,
              tz: CompanyZone) -> dict[str, Any]:
    month = _month(body.month)
    store = qa_store(request)
    planning.build(store, month, _rules(request), tz, clock())
    return _plan(store, month, tz)


@router.get("/qa/plans/{month}", summary="The month's QA plan, each item with its reasons")
def get_plan(request: Request, month: str, _p: Staff, tz: CompanyZone) -> dict[str, Any]:
    return _plan(qa_store(request), _month(month), tz)


@router.post("/qa/plans/{month}/live", summary="Record a live inspection (R18)")
def post_live(request: Request, month: str, body: LiveIn, _p: Staff,
              tz: CompanyZone) -> dict[str, Any]:
    month = _month(month)
    store = qa_store(request)
    if store.plan(month) is None:
        raise PlanNotFound(details={"month": month})
    call = _calls(request).get(body.call_id)
    start, end = month_bounds(month, tz)
    answered = call.agent_answered_at if call is not None else None
    if answered is not None and answered.tzinfo is None:
        answered = answered.replace(tzinfo=start.tzinfo)
    if call is None or call.agent is None or answered is None or not start <= answered < end:
        raise Refused("qa.live_refused", "call_id",
                      f"call {body.call_id} is not an agent's answered call of {month}")
    planning.add_live(store, month, call.id, call.agent)
    return _plan(store, month, tz)


@router.get("/qa/forms", summary="Scoring forms (the default r23 included)")
def get_forms(request: Request, _p: Staff) -> list[dict[str, Any]]:
    return [form_out(f) for f in qa_store(request).forms()]


@router.post("/qa/forms", status_code=201, summary="Add or replace a scoring form")
def post_form(request: Request, body: FormIn, _p: FormEditor) -> dict[str, Any]:
    form = Form(body.id, body.name, tuple(
        FormItem(i.id, i.title, i.max_points, i.auto, tuple(i.phrases)) for i in body.items))
    try:
        check_form(form)
    except ScoreError as e:
        raise Refused(e.kind, e.field, str(e)) from e
    qa_store(request).save_form(form)
    return form_out(form)


def _form(store: QaStore, form_id: str) -> Form:
    form = store.form(form_id)
    if form is None:
        raise Refused("form.not_found", "form", f"no form {form_id!r}")
    return form


@router.get("/qa/reviews/prefill", summary="Suggested points and evidence spans (R23)")
def get_prefill(request: Request, _p: Staff, call_id: Annotated[int, Query(ge=1, le=MAX_ID)],
                form: str = "r23") -> dict[str, Any]:
    store = qa_store(request)
    chosen = _form(store, form)
    call = reviewing.reviewable_call(_calls(request), call_id)
    suggestions = prefill(chosen, call.qa_flags)
    evidence = sorted((e for s in suggestions for e in s.evidence), key=lambda e: e.start)
    return {
        "call_id": call.id, "form": chosen.id, "recording_url": f"/calls/{call.id}/recording",
        "items": [{"id": s.item.id, "title": s.item.title, "max_points": s.item.max_points,
                   "auto": s.item.auto, "points": s.points,
                   "evidence": [{"kind": e.kind, "start": e.start, "end": e.end}
                                for e in s.evidence]} for s in suggestions],
        "evidence": [{"item": e.item, "kind": e.kind, "start": e.start, "end": e.end}
                     for e in evidence],
        "total": sum(s.points for s in suggestions), "max_total": chosen.max_total,
    }


def _review(store: QaStore, review_id: int, principal: Principal) -> QaReview:
    if principal.agent is None:
        # Before the lookup: a refused role must not learn which reviews exist (404 vs 403).
        ensure_role(principal, frozenset(STAFF))
    review = store.review(review_id)
    if review is None:
        raise ReviewNotFound(details={"id": review_id})
    if principal.agent is not None and review.agent != principal.agent:
        raise Forbidden(details={"role": principal.role})
    return review


@router.post("/qa/reviews", status_code=201, summary="Score a call (a draft)",
             responses={409: {"model": ErrorOut, "description": "review.exists"}})
def post_review(request: Request, body: ReviewIn, principal: Staff, clock: AppClock,
                tz: CompanyZone) -> dict[str, Any]:
    store = qa_store(request)
    form = _form(store, body.form)
    call = reviewing.reviewable_call(_calls(request), body.call_id)
    review = reviewing.create(store, call, form, [i.scored() for i in body.items],
                              body.comment, body.excellent, str(principal), clock(), tz)
    return review_out(review, tz)


@router.get("/qa/reviews", summary="Reviews (an agent token sees its own only)")
def list_reviews(request: Request, principal: CurrentPrincipal, tz: CompanyZone,
                 agent: str | None = None,
                 call_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None
                 ) -> list[dict[str, Any]]:
    if principal.agent is not None:
        agent = principal.agent
    else:
        ensure_role(principal, frozenset(STAFF))
    reviews = qa_store(request).reviews(agent=agent,
                                        call_ids=None if call_id is None else [call_id])
    return [review_out(r, tz) for r in reviews]


@router.get("/qa/reviews/{review_id:int}", summary="One review (any version)")
def get_review(request: Request, review_id: ReviewId, principal: CurrentPrincipal,
               tz: CompanyZone) -> dict[str, Any]:
    return review_out(_review(qa_store(request), review_id, principal), tz)


@router.patch("/qa/reviews/{review_id:int}", summary="Edit a draft review",
              responses={409: {"model": ErrorOut, "description": "review.confirmed"}})
def patch_review(request: Request, review_id: ReviewId, body: ReviewPatch, principal: Staff,
                 tz: CompanyZone) -> dict[str, Any]:
    store = qa_store(request)
    review = _review(store, review_id, principal)
    items = None if body.items is None else [i.scored() for i in body.items]
    updated = reviewing.edit(store, review, _form(store, review.form_id), items, body.comment,
                             body.excellent)
    return review_out(updated, tz)


@router.post("/qa/reviews/{review_id:int}/confirm", summary="Confirm: the review becomes final",
             responses={409: {"model": ErrorOut, "description": "review.confirmed"}})
def confirm_review(request: Request, review_id: ReviewId, principal: Staff, clock: AppClock,
                   tz: CompanyZone) -> dict[str, Any]:
    store = qa_store(request)
    confirmed = reviewing.confirm(store, _review(store, review_id, principal), clock())
    planning.add_neighbours(store, confirmed, _rules(request), tz)  # R20, at once
    return review_out(confirmed, tz)


@router.post("/qa/reviews/{review_id:int}/revisions", status_code=201,
             summary="Correct a confirmed review: a new draft version superseding it",
             responses={409: {"model": ErrorOut,
                              "description": "review.draft, review.superseded"}})
def revise_review(request: Request, review_id: ReviewId, body: ReviewPatch, principal: Staff,
                  clock: AppClock, tz: CompanyZone) -> dict[str, Any]:
    store = qa_store(request)
    review = _review(store, review_id, principal)
    items = None if body.items is None else [i.scored() for i in body.items]
    revised = reviewing.revise(store, review, _form(store, review.form_id), items,
                               body.comment, body.excellent, str(principal), clock())
    return review_out(revised, tz)


@router.get("/qa/agents/{agent}", summary="The agent's QA archive (R22)")
def get_archive(request: Request, agent: str, principal: CurrentPrincipal,
                tz: CompanyZone) -> dict[str, Any]:
    if principal.agent is not None:
        if principal.agent != agent:
            raise Forbidden(details={"role": principal.role})
    else:
        ensure_role(principal, frozenset(STAFF))
    data = reviewing.archive(qa_store(request), agent, _rules(request))
    data["reviews"] = [review_out(r, tz) for r in data["reviews"]]
    return data


@router.get("/qa/excellent", summary="The library of excellent recordings (R22)")
def get_excellent(request: Request, _p: Staff, tz: CompanyZone) -> list[dict[str, Any]]:
    store, calls = qa_store(request), _calls(request)
    out = []
    for review in store.latest_confirmed():
        if not review.excellent or review.status != ReviewStatus.CONFIRMED:
            continue
        call = calls.get(review.call_id)
        out.append({"review": review_out(review, tz), "call_id": review.call_id,
                    "agent": review.agent,
                    "started_at": time_out(call.started_at, tz) if call else None,
                    "recording_url": f"/calls/{review.call_id}/recording"})
    return out


router.include_router(report_router)

__all__ = ["FormNotFound", "router"]
