"""Routes of the weekly QA report (R22): draft on demand, confirm (publish), read as JSON, CSV
or a printable HTML page. Included by qa.http's router."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api.auth import Principal
from api.deps import AppClock, CompanyZone, require_role
from api.schemas import ErrorOut
from qa import weekly
from qa.errors import InvalidWeek, ReportNotFound
from qa.models import QaWeeklyReport
from qa.report import report_csv, week_start
from qa.schemas import WeekIn, time_out
from qa.store import QaStore

Staff = Annotated[Principal, Depends(require_role("qa", "supervisor", "admin"))]
Publisher = Annotated[Principal, Depends(require_role("supervisor", "admin"))]

router = APIRouter(tags=["qa"])


def _store(request: Request) -> QaStore:
    return QaStore(request.app.state.call_store)


def _week(week: str) -> str:
    try:
        week_start(week)
    except ValueError as e:
        raise InvalidWeek(details={"field": "week", "week": week}) from e
    return week


def _json(report: QaWeeklyReport, tz: Any) -> dict[str, Any]:
    return weekly.report_json(report, time_out(report.confirmed_at, tz))


@router.post("/qa/reports/weekly", summary="Draft (or draft again) a week's QA report",
             responses={409: {"model": ErrorOut, "description": "report.confirmed"}})
def post_weekly(request: Request, body: WeekIn, _p: Staff, clock: AppClock,
                tz: CompanyZone) -> dict[str, Any]:
    report = weekly.draft(_store(request), _week(body.week), tz, clock())
    return _json(report, tz)


@router.post("/qa/reports/weekly/{week}/confirm", summary="Publish the week's report",
             responses={409: {"model": ErrorOut, "description": "report.confirmed"}})
def confirm_weekly(request: Request, week: str, _p: Publisher, clock: AppClock,
                   tz: CompanyZone) -> dict[str, Any]:
    store = _store(request)
    report = store.report(_week(week))
    if report is None:
        raise ReportNotFound(details={"week": week})
    return _json(weekly.confirm(store, report, clock()), tz)


@router.get("/qa/reports/weekly/{week}", summary="The week's report: JSON, CSV or HTML",
            response_model=None,
            responses={200: {"content": {"text/csv": {}, "text/html": {}}},
                       404: {"model": ErrorOut, "description": "report.not_found"}})
def get_weekly(request: Request, week: str, _p: Staff, tz: CompanyZone,
               format: Annotated[Literal["json", "csv", "html"], Query()] = "json"
               ) -> Response:
    store = _store(request)
    report = store.report(_week(week))
    if report is None:
        raise ReportNotFound(details={"week": week})
    body = _json(report, tz)
    if format == "csv":
        return Response(report_csv(body), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="qa-weekly-{week}.csv"'})
    if format == "html":
        titles = {i.id: i.title for f in store.forms() for i in f.items}
        return HTMLResponse(weekly.report_html(body, tz, titles))
    return JSONResponse(body)
