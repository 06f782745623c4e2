"""Serving a stored WAV (call recordings, voicemail messages) the one way: the caller is
identified inside the handler so that refusals (401 too) are audited; one byte range with an
ETag; and an entry in the durable access log (R26) with the bytes actually sent, written when
the response ends, whole or cut short. Routers supply what is theirs: how to find the file and
which errors they answer with."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

from fastapi import Request
from fastapi.responses import Response, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy.exc import SQLAlchemyError
from starlette.background import BackgroundTask

from api.auth import Principal
from api.deps import current_principal
from api.errors import ApiError, DatabaseUnavailable
from api.listen import link_principal
from api.ranges import UnsatisfiableRange, if_range_allows, iter_file, parse_range
from audit.store import Access, AuditLog
from callrecords.store import StoreError

audit = logging.getLogger("hotline.audit")

_AUDIT_RANGE_MAX = 100  # the Range header is client text: bound what goes into the logs


@dataclass(frozen=True)
class Fetch:
    """One request for a stored file, as the access log records it."""

    what: str  # "recording", "voicemail": the log line's word and the action's prefix
    key: str  # "call", "ticket": the log line's name for the id
    ident: int
    range_header: str | None
    if_range: str | None
    link: str | None = None  # a signed listening link (api.listen) instead of a token

    @property
    def asked(self) -> str | None:
        return self.range_header[:_AUDIT_RANGE_MAX] if self.range_header is not None else None


Serve = Callable[[Principal, Fetch, Callable[[int, int], object]], Response]


def audited_fetch(request: Request, credentials: HTTPAuthorizationCredentials | None,
                  fetch: Fetch, serve: Serve) -> Response:
    """Runs `serve` for the identified caller; every outcome goes to the access log and the
    `hotline.audit` log line. `serve` gets a callback to call with (status, bytes sent)."""
    access = Access(f"{fetch.what}.fetch", f"{fetch.key}:{fetch.ident}", 0,
                    client=request.client.host if request.client else "",
                    range=fetch.asked or "")
    audit_log: AuditLog = request.app.state.audit_log
    principal: Principal | None = None
    extra = {f"{fetch.key}_id": fetch.ident, "range": fetch.asked}
    try:
        principal = _identify(request, credentials, fetch)
        access = access.by(principal)
        response = serve(principal, fetch, _recorder(audit_log, access))
    except Exception as e:
        if isinstance(e, ApiError):
            status, error_id = e.status, e.error_id
        elif isinstance(e, SQLAlchemyError | StoreError):
            status, error_id = 503, DatabaseUnavailable.error_id
        else:
            status, error_id = 500, type(e).__name__
        audit.warning("%s access refused: who=%s %s=%s range=%r status=%s error=%s",
                      fetch.what, principal or "(unauthenticated)", fetch.key, fetch.ident,
                      fetch.asked, status, error_id,
                      extra={**extra, "role": access.role, "token": access.token,
                             "status": status})
        audit_log.record(replace(access, status=status, error_id=error_id))
        raise
    audit.info("%s access: who=%s %s=%s range=%r status=%s sent=%s", fetch.what, principal,
               fetch.key, fetch.ident, fetch.asked, response.status_code,
               response.headers.get("content-range", "whole file"),
               extra={**extra, "role": principal.role, "token": principal.fingerprint,
                      "status": response.status_code})
    return response


def _identify(request: Request, credentials: HTTPAuthorizationCredentials | None,
              fetch: Fetch) -> Principal:
    """The token's principal, or the one a signed listening link was made for (issue 10: the
    browser's audio element cannot send a token)."""
    if fetch.link is None:
        return current_principal(request, credentials)
    return link_principal(request.app.state.listen_key, fetch.link, fetch.key, fetch.ident,
                          request.app.state.clock())


def _recorder(audit_log: AuditLog, access: Access) -> Callable[[int, int], object]:
    def done(status: int, sent: int) -> bool:
        return audit_log.record(replace(access, status=status, bytes_sent=sent))

    return done


def contained(root: Path, relative: str) -> Path | None:
    """The file's absolute path, or None if it would leave ``root``. Resolving first means
    ``..``, absolute paths and symlinks pointing outside are all caught by one check."""
    path = (root / relative).resolve()
    return path if path.is_relative_to(root) else None


def stream_wav(f: BinaryIO, fetch: Fetch, etag: str | None, filename: str,
               unsatisfiable: Callable[[int, str], ApiError],
               done: Callable[[int, int], object]) -> StreamingResponse:
    """The opened file, whole (200) or the one range asked (206); closes `f` in every case."""
    size = os.fstat(f.fileno()).st_size  # of the file we opened, not of the path now
    try:
        allowed = if_range_allows(fetch.if_range, etag)
        wanted = parse_range(fetch.range_header, size) if allowed else None
    except UnsatisfiableRange as e:
        f.close()
        raise unsatisfiable(size, fetch.range_header or "") from e
    headers = {"Accept-Ranges": "bytes", "Cache-Control": "private",
               "Content-Disposition": f'inline; filename="{filename}"'}
    if etag:
        headers["ETag"] = etag
    if wanted is None:
        start, length, status = 0, size, 200
    else:
        start, length, status = wanted.start, wanted.length, 206
        headers["Content-Range"] = wanted.content_range(size)
    headers["Content-Length"] = str(length)
    body = _counted(iter_file(f, start, length), lambda sent: done(status, sent))
    # The background close covers a client that leaves before the body is iterated.
    return StreamingResponse(body, status_code=status, media_type="audio/wav",
                             headers=headers, background=BackgroundTask(f.close))


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
