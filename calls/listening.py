"""What the QA console (issue 10) needs to listen to a call, beside the recording itself:
its waveform as a compact peaks JSON per channel (recordings.peaks, cached in memory), and a
signed link the browser's audio element can fetch with HTTP Range without a token in the URL
(api.listen). Both for the roles that may hear recordings (R26)."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from api.auth import RECORDING_ROLES, Principal
from api.deps import AppClock, CompanyZone, require_role
from api.listen import make_link
from api.schemas import ErrorOut, LocalTime
from calls.errors import (
    RecordingMissing,
    RecordingNotFound,
    RecordingPathRefused,
    RecordingUnreadable,
)
from calls.http import CallId, _get, _store, resolve_recording
from recordings.peaks import PeaksCache, PeaksUnreadable

log = logging.getLogger("hotline.api")

Listener = Annotated[Principal, Depends(require_role(*sorted(RECORDING_ROLES)))]

_NOT_FOUND = {"model": ErrorOut, "description": "call.not_found, recording.not_found, "
                                               "recording.missing, recording.path_refused"}
router = APIRouter(tags=["calls"], responses={
    401: {"model": ErrorOut, "description": "auth.missing, auth.invalid"},
    403: {"model": ErrorOut, "description": "auth.forbidden"},
    404: _NOT_FOUND,
    503: {"model": ErrorOut, "description": "database.unavailable"}})


class ListenLink(BaseModel):
    url: str  # relative to the API's base: GET it as an <audio> source, with Range
    expires_at: LocalTime


def _recording_file(request: Request, call_id: int) -> FilePath:
    call = _get(_store(request), call_id)
    if call.recording_path is None:
        raise RecordingNotFound(details={"id": call_id})
    path = resolve_recording(request.app.state.recordings_dir, call.recording_path)
    if path is None:
        log.error("call %s: recording path %r leaves the recordings folder; refused", call_id,
                  call.recording_path)
        raise RecordingPathRefused(details={"id": call_id})
    if not path.is_file():
        raise RecordingMissing(details={"id": call_id})
    return path


@router.get(
    "/calls/{call_id}/recording/peaks", summary="The recording's waveform (peaks per channel)",
    description="Per channel (`caller` left, `agent` right; `mixed` for mono), the loudest "
                "sample of each of `points` equal slices of the recording, 0..`scale` (100). "
                "`slice_seconds` is the time one value stands for. Cached in memory.",
    responses={409: {"model": ErrorOut, "description": "recording.unreadable"}})
def get_peaks(request: Request, call_id: CallId, _p: Listener,
              points: Annotated[int, Query(ge=10, le=20000,
                                           description="Values per channel, at most")] = 1000,
              ) -> dict[str, Any]:
    path = _recording_file(request, call_id)
    cache: PeaksCache = request.app.state.peaks_cache
    try:
        peaks = cache.get(path, points)
    except FileNotFoundError as e:
        raise RecordingMissing(details={"id": call_id}) from e
    except PeaksUnreadable as e:
        log.error("call %s: recording %s cannot be read for peaks: %s", call_id, path, e)
        raise RecordingUnreadable(details={"id": call_id}) from e
    names = ("caller", "agent") if len(peaks.channels) == 2 else \
        tuple("mixed" if len(peaks.channels) == 1 else f"channel{i}"
              for i in range(len(peaks.channels)))
    return {"call_id": call_id, **peaks.to_dict(names)}


@router.post(
    "/calls/{call_id}/recording/link", response_model=ListenLink,
    summary="A short-lived signed link to the recording, for an <audio> element",
    description="The link (`url`) serves `GET /calls/{call_id}/recording` without an "
                "Authorization header, HTTP Range and the access log (R26, in the name of "
                "this token) included, until `expires_at` ([console] listen_link_seconds). "
                "The token never goes into a URL.")
def post_link(request: Request, call_id: CallId, principal: Listener, clock: AppClock,
              tz: CompanyZone) -> ListenLink:
    _recording_file(request, call_id)
    expires = clock() + timedelta(seconds=request.app.state.settings.console.listen_link_seconds)
    link = make_link(request.app.state.listen_key, "call", call_id, principal, expires)
    return ListenLink(url=f"/calls/{call_id}/recording?listen={link}",
                      expires_at=expires.astimezone(tz))
