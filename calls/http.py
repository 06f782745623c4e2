"""Routes under /calls: the call records and their recordings.

Handlers are plain ``def``: the store is synchronous SQLAlchemy, so FastAPI runs them in its
thread pool and the event loop (shared with the AMI bridge in `hotline up`) never blocks. What
they need (store, recordings folder, page size) is read from ``app.state``, set by
api.app.create_app; the router itself is built once, at import."""

import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, tzinfo
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import Response, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy.exc import SQLAlchemyError
from starlette.background import BackgroundTask

from api.auth import RECORDING_ROLES, Principal, bearer_scheme
from api.deps import CompanyZone, CurrentPrincipal, current_principal, ensure_role
from api.errors import ApiError, DatabaseUnavailable, InvalidRequest
from api.ranges import UnsatisfiableRange, if_range_allows, iter_file, parse_range
from api.schemas import MAX_ID, ErrorOut, QueryTime
from audit.store import Access, AuditLog
from callrecords.models import Call
from callrecords.store import CallFilter, CallStore, StoreError
from calls.errors import (
    CallNotFound,
    InvalidPeriod,
    RangeNotSatisfiable,
    RecordingMissing,
    RecordingNotFound,
    RecordingPathRefused,
)
from calls.schemas import CallOut, CallPage
from domain.status import Disposition

log = logging.getLogger("hotline.api")
audit = logging.getLogger("hotline.audit")

DEFAULT_PAGE_SIZE = 50
_AUDIT_RANGE_MAX = 100  # the Range header is client text: bound what goes into the audit log

CallId = Annotated[int, Path(ge=1, le=MAX_ID, description="The call record's id")]

_ERRORS = {
    401: {"model": ErrorOut, "description": "auth.missing, auth.invalid"},
    503: {"model": ErrorOut, "description": "database.unavailable"},
}


def _in_zone(value: datetime | None, tz: tzinfo) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=tz)
    return value


def resolve_recording(root: FilePath, relative: str) -> FilePath | None:
    """The recording's absolute path, or None if it would leave ``root``.

    Resolving first means ``..``, absolute paths and symlinks pointing outside are all
    caught by the one containment check."""
    path = (root / relative).resolve()
    return path if path.is_relative_to(root) else None


def _store(request: Request) -> CallStore:
    store: CallStore = request.app.state.call_store
    return store


def _get(store: CallStore, call_id: int) -> Call:
    call = store.get(call_id)
    if call is None:
        raise CallNotFound(details={"id": call_id})
    return call


router = APIRouter(tags=["calls"], responses=_ERRORS)  # type: ignore[arg-type]


@router.get("/calls", response_model=CallPage, summary="Search call records",
            responses={422: {"model": ErrorOut,
                             "description": "request.invalid, calls.invalid_period"}})
def list_calls(
    request: Request,
    _principal: CurrentPrincipal,
    timezone: CompanyZone,
    since: Annotated[QueryTime | None, Query(
        description="Calls started at or after this ISO 8601 time; without an offset, "
                    "in the company's time zone")] = None,
    until: Annotated[QueryTime | None, Query(
        description="Calls started before this ISO 8601 time; without an offset, "
                    "in the company's time zone")] = None,
    caller: Annotated[str | None, Query(description="Caller number, exact")] = None,
    agent: Annotated[str | None, Query(description="Agent number (工号), exact")] = None,
    disposition: Disposition | None = None,
    # Its maximum is the page_size_max setting, written into the OpenAPI document by
    # api.app (the router is built before the settings are known).
    limit: Annotated[int | None, Query(ge=1, description="Page size")] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> CallPage:
    page_size_max: int = request.app.state.page_size_max
    if limit is None:
        limit = min(DEFAULT_PAGE_SIZE, page_size_max)
    elif limit > page_size_max:
        raise _too_large("limit", limit, page_size_max)
    since, until = _in_zone(since, timezone), _in_zone(until, timezone)
    if since is not None and until is not None and since > until:
        raise InvalidPeriod(details={"since": since.isoformat(),
                                     "until": until.isoformat()})
    f = CallFilter(since=since, until=until, caller=caller, agent=agent,
                   disposition=disposition.value if disposition else None)
    rows, total = _store(request).search(f, limit, offset)
    return CallPage(items=[CallOut.of(c, timezone) for c in rows], total=total,
                    limit=limit, offset=offset)


def _too_large(name: str, value: int, maximum: int) -> InvalidRequest:
    """The same body FastAPI's own validation gives (api.errors renders it)."""
    message = f"Input should be less than or equal to {maximum}"
    return InvalidRequest(f"query.{name}: {message}", {"errors": [
        {"location": f"query.{name}", "message": message, "type": "less_than_equal",
         "input": value}]})


@router.get("/calls/{call_id}", response_model=CallOut, summary="One call record",
            responses={404: {"model": ErrorOut, "description": "call.not_found"}})
def get_call(request: Request, call_id: CallId, _principal: CurrentPrincipal,
             timezone: CompanyZone) -> CallOut:
    return CallOut.of(_get(_store(request), call_id), timezone)


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
    _documented: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    range_header: Annotated[str | None, Header(alias="Range")] = None,
    if_range: Annotated[str | None, Header(alias="If-Range")] = None,
) -> Response:
    asked = range_header[:_AUDIT_RANGE_MAX] if range_header is not None else None
    access = Access("recording.fetch", f"call:{call_id}", 0, client=_client(request),
                    range=asked or "")
    principal: Principal | None = None
    try:
        # Identified here rather than by a dependency, so that a refused token is logged too.
        principal = current_principal(request, _documented)
        access = access.by(principal)
        response = _recording(request, call_id, principal, range_header, if_range, access)
    except Exception as e:
        if isinstance(e, ApiError):
            status, error_id = e.status, e.error_id
        elif isinstance(e, SQLAlchemyError | StoreError):
            status, error_id = 503, DatabaseUnavailable.error_id
        else:
            status, error_id = 500, type(e).__name__
        audit.warning("recording access refused: who=%s call=%s range=%r status=%s "
                      "error=%s", principal or "(unauthenticated)", call_id, asked, status,
                      error_id,
                      extra={"role": access.role, "token": access.token,
                             "call_id": call_id, "range": asked, "status": status})
        _audit_log(request).record(replace(access, status=status, error_id=error_id))
        raise
    audit.info("recording access: who=%s call=%s range=%r status=%s sent=%s",
               principal, call_id, asked, response.status_code,
               response.headers.get("content-range", "whole file"),
               extra={"role": principal.role, "token": principal.fingerprint,
                      "call_id": call_id, "range": asked,
                      "status": response.status_code})
    return response


def _client(request: Request) -> str:
    return request.client.host if request.client else ""


def _audit_log(request: Request) -> AuditLog:
    audit_log: AuditLog = request.app.state.audit_log
    return audit_log


def _counted(chunks: Iterator[bytes], done: Callable[[int], object]) -> Iterator[bytes]:
    """Passes the body through and reports the bytes the server took from it when the
    response ends, whole or cut short by the client (R26: what was actually sent)."""
    sent = 0
    try:
        for chunk in chunks:
            yield chunk
            sent += len(chunk)  # resumed: the server has taken the chunk
    finally:
        done(sent)


def _recording(request: Request, call_id: int, principal: Principal,
               range_header: str | None, if_range: str | None, access: Access) -> Response:
    # Checked here, not by require_role: a refused access must be audited too (R26).
    ensure_role(principal, RECORDING_ROLES)
    call = _get(_store(request), call_id)
    if call.recording_path is None:
        raise RecordingNotFound(details={"id": call_id})
    root: FilePath = request.app.state.recordings_dir
    path = resolve_recording(root, call.recording_path)
    if path is None:
        log.error("call %s: recording path %r leaves %s; refused", call_id,
                  call.recording_path, root)
        raise RecordingPathRefused(details={"id": call_id})
    try:
        f = path.open("rb")
    except OSError as e:
        log.error("call %s: recording %s cannot be read: %s", call_id, path, e)
        raise RecordingMissing(details={"id": call_id}) from e

    size = os.fstat(f.fileno()).st_size  # of the file we opened, not of the path now
    etag = f'"{call.recording_sha256}"' if call.recording_sha256 else None
    try:
        wanted = parse_range(range_header, size) if if_range_allows(if_range, etag) else None
    except UnsatisfiableRange as e:
        f.close()
        raise RangeNotSatisfiable(size, range_header or "") from e

    headers = {"Accept-Ranges": "bytes", "Cache-Control": "private",
               "Content-Disposition": f'inline; filename="call-{call_id}.wav"'}
    if etag:
        headers["ETag"] = etag
    if wanted is None:
        start, length, status = 0, size, 200
    else:
        start, length, status = wanted.start, wanted.length, 206
        headers["Content-Range"] = wanted.content_range(size)
    headers["Content-Length"] = str(length)
    # The background close covers a client that leaves before the body is iterated.
    audit_log = _audit_log(request)
    body = _counted(iter_file(f, start, length), lambda sent: audit_log.record(
        replace(access, status=status, bytes_sent=sent)))
    return StreamingResponse(body, status_code=status,
                             media_type="audio/wav", headers=headers,
                             background=BackgroundTask(f.close))
