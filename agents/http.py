"""Routes under /agents (R24): who is signed in, paused or on a call; sign-in, sign-out and
pause through the API; each agent's presence trail.

The desk (agents.desk) is on ``app.state.agent_presence``: api.app builds one without a bridge
(changes are recorded and applied at the bridge's next AMI login); `hotline up` replaces it with
the bridge's, which applies changes to Asterisk at once."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.concurrency import run_in_threadpool

from agents.desk import PresenceDesk, UnknownAgent, UnknownReason
from agents.errors import AgentNotFound, PauseReasonInvalid, PeriodInvalid, PresenceInvalid
from agents.presence import InvalidTransition
from agents.schemas import AgentOut, PresenceIn, TrailEntryOut
from api.auth import Principal
from api.deps import CompanyZone, CurrentPrincipal, ensure_role, require_role
from api.errors import Forbidden
from api.schemas import ErrorOut, QueryTime, in_zone
from domain.status import PresenceAction, PresenceVia

AgentNumber = Annotated[str, Path(pattern=r"^[0-9]{2,10}$", description="The agent's 工号")]

_READERS = frozenset({"admin", "supervisor", "qa", "agent"})
# A dependency, so a refused role gets 403 before its body is even read.
Changer = Annotated[Principal, Depends(require_role("admin", "supervisor", "agent"))]

_ERRORS = {
    401: {"model": ErrorOut, "description": "auth.missing, auth.invalid"},
    403: {"model": ErrorOut, "description": "auth.forbidden"},
    503: {"model": ErrorOut, "description": "database.unavailable"},
}

router = APIRouter(tags=["agents"], responses=_ERRORS)  # type: ignore[arg-type]


def _desk(request: Request) -> PresenceDesk:
    desk: PresenceDesk = request.app.state.agent_presence
    return desk


def _own_only(principal: Principal, agent: str) -> None:
    """An agent:<工号> token may see and change itself only."""
    if principal.agent is not None and principal.agent != agent:
        raise Forbidden("an agent token may only act on its own agent",
                        {"agent": agent, "token_agent": principal.agent})


def _known(desk: PresenceDesk, agent: str) -> None:
    if agent not in desk.names:
        raise AgentNotFound(details={"agent": agent})


@router.get("/agents", response_model=list[AgentOut], summary="Every agent's presence",
            description="Roles admin, supervisor, qa; an agent token sees itself only.")
async def list_agents(request: Request, principal: CurrentPrincipal,
                      timezone: CompanyZone) -> list[AgentOut]:
    ensure_role(principal, _READERS)
    desk = _desk(request)
    await run_in_threadpool(desk.chosen)
    views = desk.views()
    if principal.agent is not None:
        views = [v for v in views if v.agent == principal.agent]
    return [AgentOut.of(v, timezone) for v in views]


@router.post(
    "/agents/{agent}/presence", response_model=AgentOut,
    summary="Sign an agent in or out, pause or resume it",
    description="Roles admin and supervisor; an agent token for itself only. Applied to "
                "Asterisk's queue at once (a paused or signed-out agent's phone is not rung) "
                "and recorded on the trail with via=api.",
    responses={404: {"model": ErrorOut, "description": "agent.not_found"},
               409: {"model": ErrorOut, "description": "agent.presence_invalid"},
               422: {"model": ErrorOut,
                     "description": "request.invalid, agent.reason_invalid"}})
async def change_presence(request: Request, agent: AgentNumber, body: PresenceIn,
                          principal: Changer, timezone: CompanyZone) -> AgentOut:
    _own_only(principal, agent)
    desk = _desk(request)
    _known(desk, agent)
    reason = (body.reason or "").strip()
    if reason and body.action is not PresenceAction.PAUSE:
        raise PauseReasonInvalid("body.reason: only a pause has a reason",
                                 {"field": "reason", "action": body.action.value})
    by = principal.role if principal.token_name is None else (
        f"{principal.role} ({principal.token_name})")
    try:
        view = await desk.change(agent, body.action, reason, PresenceVia.API, by)
    except UnknownAgent as e:
        raise AgentNotFound(details={"agent": agent}) from e
    except UnknownReason as e:
        raise PauseReasonInvalid(details={"field": "reason", "reason": reason,
                                          "allowed": sorted(desk.reasons)}) from e
    except InvalidTransition as e:
        raise PresenceInvalid(str(e), {"agent": agent, "action": body.action.value,
                                       "state": e.current.presence.value}) from e
    return AgentOut.of(view, timezone)


@router.get(
    "/agents/{agent}/presence", response_model=list[TrailEntryOut],
    response_model_by_alias=True, summary="An agent's presence trail (R24)",
    description="Every change in [since, until), oldest first (at most 1000). Roles admin, "
                "supervisor, qa; an agent token for itself only.",
    responses={404: {"model": ErrorOut, "description": "agent.not_found"},
               422: {"model": ErrorOut,
                     "description": "request.invalid, agent.invalid_period"}})
def presence_trail(
    request: Request, agent: AgentNumber, principal: CurrentPrincipal, timezone: CompanyZone,
    since: Annotated[QueryTime | None, Query(
        description="Changes at or after this ISO 8601 time; without an offset, in the "
                    "company's time zone")] = None,
    until: Annotated[QueryTime | None, Query(
        description="Changes before this ISO 8601 time")] = None,
) -> list[TrailEntryOut]:
    ensure_role(principal, _READERS)
    _own_only(principal, agent)
    desk = _desk(request)
    _known(desk, agent)
    since, until = in_zone(since, timezone), in_zone(until, timezone)
    if since is not None and until is not None and since > until:
        raise PeriodInvalid(details={"since": since.isoformat(), "until": until.isoformat()})
    return [TrailEntryOut.of(e, timezone) for e in desk.store.trail(agent, since, until)]
