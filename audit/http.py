"""GET /audit: the durable access log (R26), for admins and supervisors."""

from datetime import tzinfo
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from api.auth import Principal
from api.deps import CompanyZone, PageLimit, page_size, require_role
from api.errors import InvalidRequest
from api.schemas import MAX_ID, ErrorOut, LocalTime, QueryTime, in_zone, local_time
from audit.models import AuditEntry
from audit.store import AuditFilter, AuditLog

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
    offset: int


router = APIRouter(tags=["audit"], responses={
    401: {"model": ErrorOut, "description": "auth.missing, auth.invalid"},
    403: {"model": ErrorOut, "description": "auth.forbidden"},
    503: {"model": ErrorOut, "description": "database.unavailable"}})


@router.get("/audit", response_model=AuditPage, summary="The access log, newest first",
            responses={422: {"model": ErrorOut, "description": "request.invalid"}})
def list_audit(
    request: Request,
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
) -> AuditPage:
    limit = page_size(request, limit)
    since, until = in_zone(since, timezone), in_zone(until, timezone)
    if since is not None and until is not None and since > until:
        raise InvalidRequest("since must be before until",
                             {"since": since.isoformat(), "until": until.isoformat()})
    audit_log: AuditLog = request.app.state.audit_log
    rows, total = audit_log.search(
        AuditFilter(since, until, action, target, role, token), limit, offset)
    return AuditPage(items=[AuditOut.of(e, timezone) for e in rows], total=total,
                     limit=limit, offset=offset)
