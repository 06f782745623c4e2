"""GET /audit: the durable access log (R26), for admins and supervisors."""

from datetime import tzinfo
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from api.auth import Principal
from api.deps import CompanyZone, PageLimit, page_size, require_role
from api.errors import InvalidRequest
from api.schemas import MAX_ID, ErrorOut, LocalTime, QueryTime, in_zone, local_time
from audit.errors import AuditCursorInvalid, AuditCursorWithOffset
from audit.models import AuditEntry
from audit.store import AuditFilter, AuditLog
from callrecords.keyset import MAX_LENGTH as MAX_CURSOR
from callrecords.keyset import CursorError, Seek
from callrecords.keyset import decode as decode_cursor
from callrecords.keyset import encode as encode_cursor

AUDIT_ROLES = ("admin", "supervisor")


class AuditOut(BaseModel):
    id: int
    at: LocalTime
    action: str
    role: str
    token: str
    target: str
    client: str
    status: int
    error_id: str
    range: str
    bytes_sent: int
    detail: dict[str, Any]

    @classmethod
    def of(cls, e: AuditEntry, tz: tzinfo) -> "AuditOut":
        return cls(id=e.id, at=local_time(e.at, tz), action=e.action, role=e.role,
                   token=e.token, target=e.target, client=e.client, status=e.status,
                   error_id=e.error_id, range=e.range, bytes_sent=e.bytes_sent,
                   detail=dict(e.detail or {}))


class AuditPage(BaseModel):
    items: list[AuditOut]
    total: int
    limit: int
    offset: int = Field(description="Entries before this page: the request's offset, or on a "
                                    "page reached by `cursor`, counted along the walk")
    next: str | None = Field(None, description="The cursor of the next page (`?cursor=`, "
                                               "with the same filters); null on the last "
                                               "page. Also in the `Link` header, "
                                               "rel=\"next\"")


router = APIRouter(tags=["audit"], responses={
    401: {"model": ErrorOut, "description": "auth.missing, auth.invalid"},
    403: {"model": ErrorOut, "description": "auth.forbidden"},
    503: {"model": ErrorOut, "description": "database.unavailable"}})


@router.get("/audit", response_model=AuditPage, summary="The access log, newest first",
            description="Page by `offset`, or (at any depth, at the same cost) by `cursor`: "
                        "each page's `next` (also the `Link` header, rel=\"next\") with the "
                        "same filters.",
            responses={200: {"headers": {"Link": {
                           "description": "`<url>; rel=\"next\"`: the next page by cursor "
                                          "(relative to the request); absent on the last page",
                           "schema": {"type": "string"}}}},
                       422: {"model": ErrorOut, "description": "request.invalid, "
                             "audit.cursor_invalid, audit.cursor_with_offset"}})
def list_audit(
    request: Request,
    response: Response,
    _principal: Annotated[Principal, Depends(require_role(*AUDIT_ROLES))],
    timezone: CompanyZone,
    since: Annotated[QueryTime | None, Query(description="At or after (ISO 8601)")] = None,
    until: Annotated[QueryTime | None, Query(description="Before (ISO 8601)")] = None,
    action: Annotated[str | None, Query(description="e.g. recording.fetch")] = None,
    target: Annotated[str | None, Query(description="e.g. call:42")] = None,
    role: Annotated[str | None, Query(description="The token's role")] = None,
    token: Annotated[str | None, Query(description="The token's fingerprint")] = None,
    limit: PageLimit = None,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    cursor: Annotated[str | None, Query(
        max_length=MAX_CURSOR, description="Start after the page that gave this cursor "
        "(its `next`), with the same filters; not with offset")] = None,
) -> AuditPage:
    limit = page_size(request, limit)
    if cursor is not None and "offset" in request.query_params:
        raise AuditCursorWithOffset()
    since, until = in_zone(since, timezone), in_zone(until, timezone)
    if since is not None and until is not None and since > until:
        raise InvalidRequest("since must be before until",
                             {"since": since.isoformat(), "until": until.isoformat()})
    f = AuditFilter(since, until, action, target, role, token)
    after = _resume(cursor, f)
    audit_log: AuditLog = request.app.state.audit_log
    page = audit_log.page(f, limit, offset, after)
    following = encode_cursor("audit", page.next, f) if page.next is not None else None
    if following is not None:
        url = request.url.remove_query_params(["offset", "cursor"]).include_query_params(
            cursor=following)
        response.headers["Link"] = f'<{url.path}?{url.query}>; rel="next"'
    return AuditPage(items=[AuditOut.of(e, timezone) for e in page.rows], total=page.total,
                     limit=limit, offset=after.position if after else offset, next=following)


def _resume(cursor: str | None, f: AuditFilter) -> Seek | None:
    if cursor is None:
        return None
    try:
        return decode_cursor("audit", cursor, f)
    except CursorError as e:
        raise AuditCursorInvalid(str(e)) from e
