"""GET /tickets/{id}/voicemail: the message itself (audio/wav), one HTTP byte range, roles
that may fetch recordings only, every access audited like recordings (R26), refused ones
included (api.audio serves both)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials

from api.audio import Fetch, Serve, audited_fetch, contained, stream_wav
from api.auth import RECORDING_ROLES, Principal, bearer_scheme
from api.deps import ensure_role
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

# Included by tickets.http's router (one router per feature for api.app).
router = APIRouter(tags=["tickets"])


@router.get(
    "/tickets/{ticket_id}/voicemail", summary="The ticket's voicemail message (WAV)",
    response_class=Response,
    description="Roles admin, supervisor and qa; every access is audited. One byte range "
                "(`Range: bytes=a-b`, `bytes=a-`, `bytes=-n`) is supported.",
    responses={200: {"content": {"audio/wav": {}}, "description": "The whole file"},
               206: {"content": {"audio/wav": {}}, "description": "The requested range"},
               401: {"model": ErrorOut, "description": "auth.missing, auth.invalid"},
               403: {"model": ErrorOut, "description": "auth.forbidden"},
               404: {"model": ErrorOut, "description": "ticket.not_found, voicemail.not_found,"
                                                       " voicemail.missing"},
               416: {"model": ErrorOut, "description": "voicemail.range_not_satisfiable"}})
def get_voicemail(
    request: Request, ticket_id: TicketId,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    range_header: Annotated[str | None, Header(alias="Range")] = None,
    if_range: Annotated[str | None, Header(alias="If-Range")] = None,
) -> Response:
    fetch = Fetch("voicemail", "ticket", ticket_id, range_header, if_range)
    return audited_fetch(request, credentials, fetch, _voicemail(request))


def _voicemail(request: Request) -> Serve:
    def serve(principal: Principal, fetch: Fetch, done: Callable[[int, int], object]
              ) -> Response:
        ensure_role(principal, RECORDING_ROLES)  # here, so that a refusal is audited too
        ticket_id = fetch.ident
        desk: TicketDesk = request.app.state.ticket_desk
        t = desk.store.get(ticket_id)
        if t is None:
            raise TicketNotFound(details={"id": ticket_id})
        if t.voicemail_path is None:
            raise VoicemailNotFound(details={"id": ticket_id})
        root: Path = request.app.state.recordings_dir
        path = contained(root, t.voicemail_path)
        if path is None:
            log.error("ticket %s: voicemail path %r leaves %s", ticket_id, t.voicemail_path,
                      root)
            raise VoicemailMissing(details={"id": ticket_id})
        try:
            f = path.open("rb")
        except OSError as e:
            log.error("ticket %s: voicemail %s cannot be read: %s", ticket_id, path, e)
            raise VoicemailMissing(details={"id": ticket_id}) from e
        etag = f'"vm-{ticket_id}-{path.stat().st_size}"'
        return stream_wav(f, fetch, etag, f"ticket-{ticket_id}-voicemail.wav",
                          VoicemailRangeNotSatisfiable, done)

    return serve
