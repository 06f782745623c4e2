"""Routes under /calls: the call records and their recordings.

Handlers are plain ``def``: the store is synchronous SQLAlchemy, so FastAPI runs them in its
thread pool and the event loop (shared with the AMI bridge in `hotline up`) never blocks. What
they need (store, recordings folder, page size) is read from ``app.state``, set by
api.app.create_app; the router itself is built once, at import."""

import logging
from collections.abc import Callable, Sequence
from pathlib import Path as FilePath
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials

from api.audio import Fetch, Serve, audited_fetch, contained, stream_wav
from api.auth import RECORDING_ROLES, Principal, bearer_scheme
from api.deps import CompanyZone, PageLimit, ensure_role, page_size
from api.privacy import Disclosure, NumberDisclosure
from api.schemas import MAX_ID, ErrorOut, QueryTime, in_zone
from callrecords.keyset import MAX_LENGTH as MAX_CURSOR
from callrecords.keyset import CursorError, Seek
from callrecords.keyset import decode as decode_cursor
from callrecords.keyset import encode as encode_cursor
from callrecords.live_sessions import LiveSession, LiveSessionStore
from callrecords.models import Call
from callrecords.store import CallFilter, CallStore
from calls.errors import (
    CallNotFound,
    CursorInvalid,
    CursorWithOffset,
    InvalidPeriod,
    RangeNotSatisfiable,
    RecordingMissing,
    RecordingNotFound,
    RecordingPathRefused,
)
from calls.schemas import CallOut, CallPage
from domain.status import Disposition

log = logging.getLogger("hotline.api")


# GET /calls's `total` is exact ("true") or a lower bound ("false"): see api.count_limit.
TOTAL_EXACT = "X-Total-Exact"

CallId = Annotated[int, Path(ge=1, le=MAX_ID, description="The call record's id")]

_ERRORS = {
    401: {"model": ErrorOut, "description": "auth.missing, auth.invalid"},
    503: {"model": ErrorOut, "description": "database.unavailable"},
}


def resolve_recording(root: FilePath, relative: str) -> FilePath | None:
    """The recording's absolute path, or None if it would leave ``root``."""
    return contained(root, relative)


def _store(request: Request) -> CallStore:
    store: CallStore = request.app.state.call_store
    return store


def _get(store: CallStore, call_id: int) -> Call:
    call = store.get(call_id)
    if call is None:
        raise CallNotFound(details={"id": call_id})
    return call


def call_out(call: Call, tz: ZoneInfo, disclosure: Disclosure,
             live: Sequence[LiveSession] = ()) -> CallOut:
    """The one place a call record leaves the API: numbers masked for a principal without the
    right to see them (R26); an agent token sees its own calls' numbers."""
    out = CallOut.of(call, tz, live)
    return out if disclosure.reveals(_agents(call)) else out.masked()


def _agents(call: Call) -> list[str | None]:
    """Every agent who talked to the caller (a transfer adds one), or the one agent of a record
    written before transfers were followed."""
    if call.agents:
        return [*call.agents]
    return [call.agent]


router = APIRouter(tags=["calls"], responses=_ERRORS)  # type: ignore[arg-type]


@router.get("/calls", response_model=CallPage, summary="Search call records",
            description="Newest first. Page by `offset`, or (at any depth, at the same cost) "
                        "by `cursor`: each page's `next` (also the `Link` header, "
                        "rel=\"next\") with the same filters.",
            responses={200: {"headers": {
                           TOTAL_EXACT: {
                               "description": "true: `total` is the number of matches; "
                                              "false: a lower bound (api.count_limit)",
                               "schema": {"type": "string", "enum": ["true", "false"]}},
                           "Link": {
                               "description": "`<url>; rel=\"next\"`: the next page by "
                                              "cursor (a reference relative to the request); "
                                              "absent on the last page",
                               "schema": {"type": "string"}}}},
                       403: {"model": ErrorOut,
                             "description": "privacy.number_filter_forbidden"},
                       422: {"model": ErrorOut,
                             "description": "request.invalid, calls.invalid_period, "
                                            "calls.cursor_invalid, "
                                            "calls.cursor_with_offset"}})
def list_calls(
    request: Request,
    response: Response,
    disclosure: NumberDisclosure,
    timezone: CompanyZone,
    since: Annotated[QueryTime | None, Query(
        description="Calls started at or after this ISO 8601 time; without an offset, "
                    "in the company's time zone")] = None,
    until: Annotated[QueryTime | None, Query(
        description="Calls started before this ISO 8601 time; without an offset, "
                    "in the company's time zone")] = None,
    caller: Annotated[str | None, Query(
        description="Caller number, exact. Roles that see numbers masked: 403 (R26); an "
                    "agent token finds its own calls only")] = None,
    agent: Annotated[str | None, Query(
        description="Agent number (工号), exact: calls it talked in, as the first agent or "
                    "after a transfer (any of the record's `agents`)")] = None,
    disposition: Disposition | None = None,
    dead_air: Annotated[bool | None, Query(
        description="true: calls whose QA flags found dead air; false: analysed, none")] = None,
    overtalk: Annotated[bool | None, Query(
        description="true: calls whose QA flags found overtalk; false: analysed (stereo), "
                    "none")] = None,
    limit: PageLimit = None,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    cursor: Annotated[str | None, Query(
        max_length=MAX_CURSOR, description="Start after the page that gave this cursor "
        "(its `next`), with the same filters; not with offset")] = None,
) -> CallPage:
    limit = page_size(request, limit)
    if cursor is not None and "offset" in request.query_params:
        raise CursorWithOffset()
    since, until = in_zone(since, timezone), in_zone(until, timezone)
    if since is not None and until is not None and since > until:
        raise InvalidPeriod(details={"since": since.isoformat(),
                                     "until": until.isoformat()})
    disclosure.check_number_filter("caller", caller)
    # An agent token sees its own calls only (issue 10, R26); numbers are then its to see.
    if disclosure.agent is not None and agent not in (None, disclosure.agent):
        return CallPage(items=[], total=0, limit=limit, offset=offset)
    f = CallFilter(since=since, until=until, caller=caller, agent=disclosure.agent or agent,
                   disposition=disposition.value if disposition else None,
                   dead_air=dead_air, overtalk=overtalk)
    after = _resume(cursor, f)
    store = _store(request)
    count_limit: int = request.app.state.count_limit
    page = store.page(f, limit, offset, count_limit, after)
    # In a header, so the body keeps its shape: `total` is exact, or (false) a lower bound.
    response.headers[TOTAL_EXACT] = "true" if page.total_exact else "false"
    following = encode_cursor("calls", page.next, f) if page.next is not None else None
    if following is not None:
        response.headers["Link"] = f'<{_next_url(request, following)}>; rel="next"'
    live = LiveSessionStore(store.sessions).for_calls([c.linkedid for c in page.rows])  # R18
    return CallPage(items=[call_out(c, timezone, disclosure, live.get(c.linkedid, ()))
                           for c in page.rows], total=page.total, limit=limit,
                    offset=after.position if after else offset, next=following)


def _resume(cursor: str | None, f: CallFilter) -> Seek | None:
    if cursor is None:
        return None
    try:
        return decode_cursor("calls", cursor, f)
    except CursorError as e:
        raise CursorInvalid(str(e)) from e


def _next_url(request: Request, cursor: str) -> str:
    """This request's path and query with `cursor` for `offset` (RFC 8288 allows a reference
    relative to the request: right behind a proxy that rewrites the host or the scheme)."""
    url = request.url.remove_query_params(["offset", "cursor"]).include_query_params(
        cursor=cursor)
    return f"{url.path}?{url.query}"


@router.get("/calls/{call_id}", response_model=CallOut, summary="One call record",
            responses={404: {"model": ErrorOut, "description": "call.not_found"}})
def get_call(request: Request, call_id: CallId, disclosure: NumberDisclosure,
             timezone: CompanyZone) -> CallOut:
    store = _store(request)
    call = _get(store, call_id)
    if disclosure.agent is not None and disclosure.agent not in _agents(call):
        raise CallNotFound(details={"id": call_id})  # another agent's call is not there
    live = LiveSessionStore(store.sessions).for_calls([call.linkedid])  # R18
    return call_out(call, timezone, disclosure, live.get(call.linkedid, ()))


@router.get(
    "/calls/{call_id}/recording", summary="The call's recording (WAV)",
    response_class=Response,
    description="Roles qa and admin only; every access is audited. Supports one byte "
                "range (`Range: bytes=a-b`, `bytes=a-`, `bytes=-n`); a multi-range "
                "request gets the whole file.",
    responses={
        200: {"content": {"audio/wav": {}}, "description": "The whole file"},
        206: {"content": {"audio/wav": {}}, "description": "The requested range"},
        403: {"model": ErrorOut, "description": "auth.forbidden"},
        404: {"model": ErrorOut, "description": "call.not_found, recording.not_found, "
                                                "recording.missing, "
                                                "recording.path_refused"},
        416: {"model": ErrorOut, "description": "recording.range_not_satisfiable"},
    })
def get_recording(
    request: Request,
    call_id: CallId,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    range_header: Annotated[str | None, Header(alias="Range")] = None,
    if_range: Annotated[str | None, Header(alias="If-Range")] = None,
    listen: Annotated[str | None, Query(
        max_length=2000, description="A signed listening link's value from POST "
        "/calls/{call_id}/recording/link, instead of the Authorization header")] = None,
) -> Response:
    fetch = Fetch("recording", "call", call_id, range_header, if_range, listen)
    return audited_fetch(request, credentials, fetch, _recording(request))


def _recording(request: Request) -> Serve:
    def serve(principal: Principal, fetch: Fetch, done: Callable[[int, int], object]
              ) -> Response:
        # Checked here, not by require_role: a refused access must be audited too (R26).
        ensure_role(principal, RECORDING_ROLES)
        call = _get(_store(request), fetch.ident)
        if call.recording_path is None:
            raise RecordingNotFound(details={"id": fetch.ident})
        root: FilePath = request.app.state.recordings_dir
        path = resolve_recording(root, call.recording_path)
        if path is None:
            log.error("call %s: recording path %r leaves %s; refused", fetch.ident,
                      call.recording_path, root)
            raise RecordingPathRefused(details={"id": fetch.ident})
        try:
            f = path.open("rb")
        except OSError as e:
            log.error("call %s: recording %s cannot be read: %s", fetch.ident, path, e)
            raise RecordingMissing(details={"id": fetch.ident}) from e
        etag = f'"{call.recording_sha256}"' if call.recording_sha256 else None
        return stream_wav(f, fetch, etag, f"call-{fetch.ident}.wav", RangeNotSatisfiable, done)

    return serve
