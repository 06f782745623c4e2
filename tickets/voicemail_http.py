"""GET /tickets/{id}/voicemail: the message itself (audio/wav), one HTTP byte range
(api.ranges), roles that may fetch recordings only, every access audited like recordings
(R26), refused ones included."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import Response, StreamingResponse
from starlette.background import BackgroundTask

from api.auth import RECORDING_ROLES, Principal
from api.deps import CurrentPrincipal, ensure_role
from api.errors import ApiError
from api.ranges import UnsatisfiableRange, if_range_allows, iter_file, parse_range
from api.schemas import ErrorOut
from tickets.desk import TicketDesk
from tickets.errors import (
    TicketNotFound,
    VoicemailMissing,
    VoicemailNotFound,
    VoicemailRangeNotSatisfiable,
)
from tickets.schemas import TicketId

log = logging.getLogger("hotline.api")
audit = logging.getLogger("hotline.audit")

_AUDIT_RANGE_MAX = 100  # the Range header is client text: bound what goes into the log

# Included by tickets.http's router (one router per feature for api.app).
router = APIRouter(tags=["tickets"])


@router.get(
    "/tickets/{ticket_id}/voicemail", summary="The ticket's voicemail message (WAV)",
    response_class=Response,
    description="Roles admin, supervisor and qa; every access is audited. One byte range "
                "(`Range: bytes=a-b`, `bytes=a-`, `bytes=-n`) is supported.",
    responses={200: {"content": {"audio/wav": {}}, "description": "The whole file"},
               206: {"content": {"audio/wav": {}}, "description": "The requested range"},
               404: {"model": ErrorOut, "description": "ticket.not_found, voicemail.not_found,"
                                                       " voicemail.missing"},
               416: {"model": ErrorOut, "description": "voicemail.range_not_satisfiable"}})
def get_voicemail(
    request: Request, ticket_id: TicketId, principal: CurrentPrincipal,
    range_header: Annotated[str | None, Header(alias="Range")] = None,
    if_range: Annotated[str | None, Header(alias="If-Range")] = None,
) -> Response:
    asked = range_header[:_AUDIT_RANGE_MAX] if range_header is not None else None
    extra = {"role": principal.role, "token": principal.fingerprint, "ticket_id": ticket_id,
             "range": asked}
    try:
        response = _voicemail(request, ticket_id, principal, range_header, if_range)
    except ApiError as e:
        audit.warning("voicemail access refused: who=%s ticket=%s range=%r status=%s "
                      "error=%s", principal, ticket_id, asked, e.status, e.error_id,
                      extra={**extra, "status": e.status})
        raise
    audit.info("voicemail access: who=%s ticket=%s range=%r status=%s sent=%s", principal,
               ticket_id, asked, response.status_code,
               response.headers.get("content-range", "whole file"),
               extra={**extra, "status": response.status_code})
    return response


def _voicemail(request: Request, ticket_id: int, principal: Principal,
               range_header: str | None, if_range: str | None) -> Response:
    ensure_role(principal, RECORDING_ROLES)  # here, so that a refusal is audited too
    desk: TicketDesk = request.app.state.ticket_desk
    t = desk.store.get(ticket_id)
    if t is None:
        raise TicketNotFound(details={"id": ticket_id})
    if t.voicemail_path is None:
        raise VoicemailNotFound(details={"id": ticket_id})
    root: Path = request.app.state.recordings_dir
    path = (root / t.voicemail_path).resolve()
    if not path.is_relative_to(root):
        log.error("ticket %s: voicemail path %r leaves %s", ticket_id, t.voicemail_path, root)
        raise VoicemailMissing(details={"id": ticket_id})
    try:
        f = path.open("rb")
    except OSError as e:
        log.error("ticket %s: voicemail %s cannot be read: %s", ticket_id, path, e)
        raise VoicemailMissing(details={"id": ticket_id}) from e
    size = os.fstat(f.fileno()).st_size
    etag = f'"vm-{ticket_id}-{size}"'
    try:
        wanted = parse_range(range_header, size) if if_range_allows(if_range, etag) else None
    except UnsatisfiableRange as e:
        f.close()
        raise VoicemailRangeNotSatisfiable(size, range_header or "") from e
    headers = {"Accept-Ranges": "bytes", "Cache-Control": "private", "ETag": etag,
               "Content-Disposition": f'inline; filename="ticket-{ticket_id}-voicemail.wav"'}
    if wanted is None:
        start, length, status = 0, size, 200
    else:
        start, length, status = wanted.start, wanted.length, 206
        headers["Content-Range"] = wanted.content_range(size)
    headers["Content-Length"] = str(length)
    return StreamingResponse(iter_file(f, start, length), status_code=status,
                             media_type="audio/wav", headers=headers,
                             background=BackgroundTask(f.close))
