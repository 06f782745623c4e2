"""Routes under /tickets (issue 6, R13-R17). Handlers are plain ``def`` (the store is
synchronous SQLAlchemy; FastAPI runs them in its thread pool). The desk (tickets.desk) is on
``app.state.ticket_desk``, set by api.app.create_app.

Who may do what: admin and supervisor everything; ticket (an integration) creates, reads and
posts events; qa reads; an agent token (agent:<工号>) creates tickets and sees, and posts
events on, only tickets it created or that are assigned to it (assignee "<工号>" or
"agent:<工号>"). Another agent's ticket is answered 404, as if it did not exist."""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from api.auth import Principal
from api.deps import AppClock, CompanyZone, PageLimit, page_size, require_role
from api.errors import Forbidden, InvalidRequest
from api.privacy import Disclosure, NumberDisclosure
from api.schemas import MAX_ID, ErrorOut, QueryTime, in_zone
from domain.status import ComplaintKind, Severity, TicketCategory, TicketStatus
from ivr.ami_actions import AmiError
from settings import Settings
from tickets.callbacks import AgentNotRegistered, Callbacks
from tickets.chart import month_chart
from tickets.desk import TicketDesk, line_of
from tickets.errors import (
    AgentUnavailable,
    CallbacksUnavailable,
    InvalidMonth,
    NoCustomerNumber,
    TicketNotFound,
    UnknownAgent,
)
from tickets.models import Ticket
from tickets.schemas import (
    CallbackAccepted,
    CallbackRequest,
    EventIn,
    TicketId,
    TicketIn,
    TicketOut,
    TicketPage,
)
from tickets.stats import month_bounds, month_stats, stats_csv
from tickets.store import TicketFilter, visible_to_agent
from tickets.voicemail_http import router as voicemail_router

_DIALABLE = re.compile(r"^[0-9]{2,20}$")  # what the trunk dials ([hotline-callback] _X.)

READERS = ("admin", "supervisor", "ticket", "qa", "agent")
WRITERS = ("admin", "supervisor", "ticket", "agent")
STATS_READERS = ("admin", "supervisor", "qa")

_ERRORS = {
    401: {"model": ErrorOut, "description": "auth.missing, auth.invalid"},
    403: {"model": ErrorOut, "description": "auth.forbidden"},
    503: {"model": ErrorOut, "description": "database.unavailable"},
}

router = APIRouter(tags=["tickets"], responses=_ERRORS)  # type: ignore[arg-type]

Reader = Annotated[Principal, Depends(require_role(*READERS))]
Writer = Annotated[Principal, Depends(require_role(*WRITERS))]
StatsReader = Annotated[Principal, Depends(require_role(*STATS_READERS))]


def desk_of(request: Request) -> TicketDesk:
    desk: TicketDesk = request.app.state.ticket_desk
    return desk


def visible(principal: Principal, t: Ticket) -> bool:
    agent = principal.agent
    return agent is None or agent in (t.creator_agent, t.assignee) or t.assignee == f"agent:{agent}"


def ticket_for(request: Request, ticket_id: int, principal: Principal) -> Ticket:
    t = desk_of(request).store.get(ticket_id)
    if t is None or not visible(principal, t):
        raise TicketNotFound(details={"id": ticket_id})
    return t


def render(desk: TicketDesk, t: Ticket, tz: tzinfo, disclosure: Disclosure,
           now: datetime | None = None) -> TicketOut:
    """The one place a ticket leaves the API: the customer's number and name masked for a
    principal without the right to see them (R26); an agent sees its own tickets' numbers."""
    out = TicketOut.of(t, desk.clocks(t) if now is None else desk.clocks(t, now), tz)
    return out if disclosure.reveals([t.creator_agent, t.assignee]) else out.masked()


@router.post("/tickets", status_code=201, response_model=TicketOut, summary="Open a ticket",
             responses={422: {"model": ErrorOut, "description": "request.invalid, "
                              "ticket.invalid_classification, ticket.unknown_call"}})
def create_ticket(request: Request, principal: Writer, timezone: CompanyZone,
                  body: TicketIn, disclosure: NumberDisclosure) -> TicketOut:
    desk = desk_of(request)
    data = body.model_dump(exclude_none=True)
    data["accepted_at"] = in_zone(body.accepted_at, timezone)
    if data["accepted_at"] is not None and data["accepted_at"] > desk.clock():
        raise InvalidRequest("body.accepted_at: must not be in the future",
                             {"errors": [{"location": "body.accepted_at",
                                          "message": "must not be in the future",
                                          "type": "future"}]})
    t = desk.create(data, str(principal), principal.agent)
    return render(desk, t, timezone, disclosure)


@router.get("/tickets", response_model=TicketPage, summary="Search tickets")
def list_tickets(
    request: Request, principal: Reader, timezone: CompanyZone, clock: AppClock,
    disclosure: NumberDisclosure,
    status: TicketStatus | None = None,
    category: TicketCategory | None = None,
    complaint_kind: ComplaintKind | None = None,
    severity: Severity | None = None,
    matter: str | None = None,
    customer: Annotated[str | None, Query(
        description="Customer number, exact. Roles that see numbers masked: 403 (R26)")] = None,
    assignee: str | None = None,
    since: Annotated[QueryTime | None, Query(description="accepted_at at or after")] = None,
    until: Annotated[QueryTime | None, Query(description="accepted_at before")] = None,
    breached: Annotated[bool | None, Query(
        description="true: tickets with any clock breached; false: with none")] = None,
    limit: PageLimit = None,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> TicketPage:
    limit = page_size(request, limit)
    disclosure.check_number_filter("customer", customer)
    desk = desk_of(request)
    f = TicketFilter(status=status, category=category, complaint_kind=complaint_kind,
                     severity=severity, matter=matter, customer=customer, assignee=assignee,
                     since=in_zone(since, timezone), until=in_zone(until, timezone),
                     breached=breached, agent=principal.agent)
    now = clock()
    rows, total = desk.store.search(f, limit, offset, now)
    return TicketPage(items=[render(desk, t, timezone, disclosure, now) for t in rows],
                      total=total, limit=limit, offset=offset)


def _month_stats(request: Request, month: str, timezone: tzinfo,
                 now: datetime) -> dict[str, Any]:
    try:
        first, after = month_bounds(month, timezone)
    except ValueError as e:
        raise InvalidMonth(details={"month": month}) from e
    desk = desk_of(request)
    lines = [line_of(t, desk.clocks(t, now)) for t in desk.store.in_month(first, after)]
    return month_stats(month, lines, partial=now < after)


Month = Annotated[str, Query(description="YYYY-MM (accepted_at in the company's zone)")]


@router.get("/tickets/stats", summary="The month's complaint statistics (R16)",
            responses={200: {"content": {"text/csv": {}}, "description": "JSON, or CSV "
                             "with format=csv"},
                       422: {"model": ErrorOut, "description": "ticket.invalid_month"}})
def get_stats(request: Request, _principal: StatsReader, timezone: CompanyZone,
              clock: AppClock, month: Month,
              format: Literal["json", "csv"] = "json") -> Response:
    stats = _month_stats(request, month, timezone, clock())
    if format == "csv":
        return Response(stats_csv(stats), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="tickets-{month}.csv"'})
    return JSONResponse(stats)


@router.get("/tickets/stats/chart", summary="The month as a PNG chart (R16)",
            response_class=Response,
            responses={200: {"content": {"image/png": {}}, "description": "PNG"},
                       422: {"model": ErrorOut, "description": "ticket.invalid_month"}})
def get_stats_chart(request: Request, _principal: StatsReader, timezone: CompanyZone,
                    clock: AppClock, month: Month) -> Response:
    stats = _month_stats(request, month, timezone, clock())
    return Response(month_chart(stats), media_type="image/png")


@router.get("/tickets/{ticket_id}", response_model=TicketOut, summary="One ticket",
            responses={404: {"model": ErrorOut, "description": "ticket.not_found"}})
def get_ticket(request: Request, ticket_id: TicketId, principal: Reader,
               timezone: CompanyZone, disclosure: NumberDisclosure) -> TicketOut:
    return render(desk_of(request), ticket_for(request, ticket_id, principal), timezone,
                  disclosure)


@router.post("/tickets/{ticket_id}/events", response_model=TicketOut,
             summary="Record what happened to a ticket",
             responses={404: {"model": ErrorOut, "description": "ticket.not_found"},
                        409: {"model": ErrorOut, "description": "ticket.transition_invalid"},
                        422: {"model": ErrorOut, "description": "request.invalid, "
                              "ticket.invalid_classification, ticket.unknown_call"}})
def post_event(request: Request, ticket_id: TicketId, principal: Writer, timezone: CompanyZone,
               event: Annotated[EventIn, Body()], disclosure: NumberDisclosure) -> TicketOut:
    ticket_for(request, ticket_id, principal)
    desk = desk_of(request)
    t = desk.apply(ticket_id, event.model_dump(exclude_none=True, mode="json"), str(principal))
    if t is None:
        raise TicketNotFound(details={"id": ticket_id})
    return render(desk, t, timezone, disclosure)


@router.post("/tickets/{ticket_id}/callbacks", status_code=202,
             response_model=CallbackAccepted, summary="Call the customer back",
             description="Rings the agent's phone; when the agent answers, the customer is "
                         "dialled through the trunk. The call is recorded (customer left, agent "
                         "right), gets a call record (direction outbound, route callback) and "
                         "is linked to the ticket with a callback_call event, or a "
                         "callback_failed event when nobody answered. An agent token may only "
                         "ring its own phone.",
             responses={404: {"model": ErrorOut, "description": "ticket.not_found"},
                        409: {"model": ErrorOut, "description": "agent.unavailable"},
                        422: {"model": ErrorOut, "description": "request.invalid, "
                              "ticket.unknown_agent, ticket.no_customer_number"},
                        503: {"model": ErrorOut, "description": "asterisk.unavailable"}})
async def request_callback(request: Request, ticket_id: TicketId, principal: Writer,
                           body: CallbackRequest) -> CallbackAccepted:
    t = await run_in_threadpool(ticket_for, request, ticket_id, principal)
    settings: Settings = request.app.state.settings
    if settings.agent(body.agent) is None:
        raise UnknownAgent(details={"agent": body.agent})
    if principal.agent is not None and principal.agent != body.agent:
        raise Forbidden("an agent token may only ring its own phone",
                        {"role": principal.role, "agent": body.agent})
    if not _DIALABLE.match(t.customer_number or ""):
        raise NoCustomerNumber(details={"number": t.customer_number})
    callbacks: Callbacks | None = getattr(request.app.state, "ticket_callbacks", None)
    if callbacks is None:
        raise CallbacksUnavailable("callbacks need the running service (hotline up)")
    try:
        callback_id = await callbacks.request(t.id, t.customer_number, body.agent)
    except AgentNotRegistered as e:
        raise AgentUnavailable(str(e), {"agent": e.agent, "state": e.state}) from e
    except AmiError as e:
        raise CallbacksUnavailable(str(e)) from e
    return CallbackAccepted(callback_id=callback_id, ticket_id=t.id)


router.include_router(voicemail_router)

__all__ = ["router", "visible", "visible_to_agent"]
