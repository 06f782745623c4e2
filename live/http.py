"""Routes under /live-sessions (issue 8, R18): a supervisor's phone listens in on an agent's
current call. What they need is on ``app.state``: `settings`, `call_store` (the sessions' store
reads its tables) and, in `hotline up`, `live_listening` (live.plugin.LiveListening, wired to
the bridge's AMI client)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.concurrency import run_in_threadpool

from api.auth import Principal
from api.deps import CompanyZone, PageLimit, page_size, require_role
from api.errors import Forbidden
from api.schemas import MAX_ID, ErrorOut, QueryTime, in_zone
from callrecords.live_sessions import LiveSessionStore
from callrecords.store import CallStore
from ivr.ami_actions import AmiError
from live.errors import (
    AgentNotFound,
    AgentNotOnCall,
    ListenerNotFound,
    ListenerUnavailable,
    LiveSessionEnded,
    LiveSessionNotFound,
    LiveUnavailable,
)
from live.plugin import AgentNotOnCall as NoCall
from live.plugin import ListenerNotRegistered, LiveListening
from live.schemas import LiveSessionIn, LiveSessionOut, LiveSessionPage
from live.spying import MODES_BY_ROLE, ROLES, mode_allowed
from settings import Settings

Staff = Annotated[Principal, Depends(require_role(*sorted(ROLES)))]
SessionId = Annotated[int, Path(ge=1, le=MAX_ID, description="The live session's id")]

router = APIRouter(tags=["live"], responses={
    401: {"model": ErrorOut, "description": "auth.missing, auth.invalid"},
    403: {"model": ErrorOut, "description": "auth.forbidden"},
    503: {"model": ErrorOut, "description": "database.unavailable, asterisk.unavailable"}})


def sessions_of(request: Request) -> LiveSessionStore:
    store: CallStore = request.app.state.call_store
    return LiveSessionStore(store.sessions)


def _listening(request: Request) -> LiveListening:
    listening: LiveListening | None = getattr(request.app.state, "live_listening", None)
    if listening is None:
        raise LiveUnavailable("live listening needs the running service (hotline up)")
    return listening


@router.post("/live-sessions", status_code=201, response_model=LiveSessionOut,
             summary="Listen in on an agent's call (R18)",
             description="Rings the supervisor's phone (`listener`, a `[[supervisors]]` "
                         "number); when it answers it hears the agent's current call, both "
                         "sides. `listen`: neither agent nor caller hears the supervisor; "
                         "`whisper`: the agent does, the caller does not; `barge`: both do. "
                         "Role `qa` may only listen; `supervisor` and `admin` any mode. The "
                         "session is kept and shows on the call's record (`live_sessions`).",
             responses={404: {"model": ErrorOut,
                              "description": "agent.not_found, listener.not_found"},
                        409: {"model": ErrorOut,
                              "description": "agent.not_on_call, listener.unavailable"},
                        422: {"model": ErrorOut, "description": "request.invalid"}})
async def start_session(request: Request, body: LiveSessionIn, principal: Staff,
                        tz: CompanyZone) -> LiveSessionOut:
    if not mode_allowed(principal.role, body.mode):
        raise Forbidden(f"role {principal.role} may not {body.mode.value}", {
            "role": principal.role, "mode": body.mode.value,
            "allowed": sorted(MODES_BY_ROLE.get(principal.role, ()))})
    settings: Settings = request.app.state.settings
    if settings.agent(body.agent) is None:
        raise AgentNotFound(details={"agent": body.agent})
    if settings.supervisor(body.listener) is None:
        raise ListenerNotFound(details={"listener": body.listener})
    listening = _listening(request)
    try:
        session = await listening.start(body.agent, body.listener, body.mode, str(principal))
    except ListenerNotRegistered as e:
        raise ListenerUnavailable(str(e), {"listener": e.listener, "state": e.state}) from e
    except NoCall as e:
        raise AgentNotOnCall(details={"agent": body.agent}) from e
    except AmiError as e:
        raise LiveUnavailable(str(e)) from e
    return LiveSessionOut.of(session, tz)


@router.get("/live-sessions", response_model=LiveSessionPage,
            summary="Live-listening sessions, newest first",
            responses={422: {"model": ErrorOut, "description": "request.invalid"}})
def list_sessions(
    request: Request,
    _principal: Staff,
    tz: CompanyZone,
    agent: Annotated[str | None, Query(pattern=r"^[0-9]{2,10}$",
                                       description="Agent number (工号), exact")] = None,
    since: Annotated[QueryTime | None, Query(
        description="Sessions started at or after this ISO 8601 time; without an offset, "
                    "in the company's time zone")] = None,
    until: Annotated[QueryTime | None, Query(
        description="Sessions started before this ISO 8601 time")] = None,
    limit: PageLimit = None,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> LiveSessionPage:
    limit = page_size(request, limit)
    rows, total = sessions_of(request).search(agent, in_zone(since, tz), in_zone(until, tz),
                                              limit, offset)
    return LiveSessionPage(items=[LiveSessionOut.of(s, tz) for s in rows], total=total,
                           limit=limit, offset=offset)


@router.delete("/live-sessions/{session_id}", response_model=LiveSessionOut,
               summary="End a live session (hangs up the supervisor's phone)",
               responses={404: {"model": ErrorOut, "description": "live_session.not_found"},
                          409: {"model": ErrorOut, "description": "live_session.ended"}})
async def end_session(request: Request, session_id: SessionId, _principal: Staff,
                      tz: CompanyZone) -> LiveSessionOut:
    session = await run_in_threadpool(sessions_of(request).get, session_id)
    if session is None:
        raise LiveSessionNotFound(details={"id": session_id})
    if session.ended_at is not None:
        raise LiveSessionEnded(details={"id": session_id, "end_reason": session.end_reason})
    return LiveSessionOut.of(await _listening(request).end(session), tz)
