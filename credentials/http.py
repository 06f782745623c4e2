"""/admin/tokens: API tokens for admins (issue 13). A token is shown once, in the answer to
its creation; listing never shows it. Every change, and every refused change, is appended to
the access log (actions token.create, token.revoke)."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from api.auth import Principal
from api.deps import AppClock, CompanyZone, require_role
from api.errors import ApiError
from api.schemas import MAX_ID, ErrorOut, LocalTime, local_time
from audit.store import Access, AuditLog
from credentials.errors import TokenNotFoundError, TokenRequestInvalid, TokenRevokedError
from credentials.store import (
    EXPIRY_DAYS_MAX,
    NAME_MAX,
    StoredToken,
    TokenAlreadyRevoked,
    TokenError,
    TokenNotFound,
    TokenStore,
)
from settings.schema import _role

ADMIN_ROLES = ("admin",)

Admin = Annotated[Principal, Depends(require_role(*ADMIN_ROLES))]
TokenId = Annotated[int, Path(ge=1, le=MAX_ID, description="The token's id")]


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Annotated[str, AfterValidator(_role)] = Field(
        description="admin, supervisor, qa, ticket or agent:<工号>", examples=["qa"])
    name: str = Field(min_length=1, max_length=NAME_MAX, description="Who holds it",
                      examples=["王五"])
    expires_in_days: int | None = Field(
        None, ge=1, le=EXPIRY_DAYS_MAX, description="Days until it expires; none: never")


class TokenOut(BaseModel):
    id: int
    name: str
    role: str
    fingerprint: str = Field(description="What the access log shows as `token`")
    created_at: LocalTime
    created_by: str
    expires_at: LocalTime | None
    revoked_at: LocalTime | None
    state: str = Field(description="active, expired or revoked")

    @classmethod
    def of(cls, t: StoredToken, now: datetime, tz: tzinfo) -> TokenOut:
        return cls(id=t.id, name=t.name, role=t.role, fingerprint=t.fingerprint,
                   created_at=local_time(t.created_at, tz), created_by=t.created_by,
                   expires_at=local_time(t.expires_at, tz),
                   revoked_at=local_time(t.revoked_at, tz), state=t.state(now))


class TokenCreated(TokenOut):
    token: str = Field(description="The token itself: shown this once, never stored")


router = APIRouter(tags=["admin"], responses={
    401: {"model": ErrorOut, "description": "auth.missing, auth.invalid"},
    403: {"model": ErrorOut, "description": "auth.forbidden"},
    503: {"model": ErrorOut, "description": "database.unavailable"}})


def token_store(request: Request) -> TokenStore:
    store: TokenStore = request.app.state.token_store
    return store


def _audit(request: Request, access: Access, principal: Principal, at: datetime) -> None:
    audit_log: AuditLog = request.app.state.audit_log
    client = request.client.host if request.client else ""
    audit_log.record(Access(access.action, access.target, access.status, client=client,
                            error_id=access.error_id, detail=access.detail).by(principal),
                     at=at)


@router.get("/admin/tokens", response_model=list[TokenOut], summary="Every stored token",
            description="Admins only. Config tokens ([api] tokens) are not listed.")
def list_tokens(request: Request, _principal: Admin, clock: AppClock,
                tz: CompanyZone) -> list[TokenOut]:
    now = clock()
    return [TokenOut.of(t, now, tz) for t in token_store(request).all()]


@router.post("/admin/tokens", status_code=201, response_model=TokenCreated,
             summary="Create a token (shown once)",
             responses={422: {"model": ErrorOut, "description": "request.invalid, token.invalid"}})
def create_token(request: Request, body: TokenIn, principal: Admin, clock: AppClock,
                 tz: CompanyZone) -> TokenCreated:
    now = clock()
    try:
        stored, token = token_store(request).create(
            body.role, body.name, body.expires_in_days, now, created_by=str(principal))
    except TokenError as e:
        _audit(request, Access("token.create", "token:", 422, error_id="token.invalid",
                               detail={"field": e.field}), principal, now)
        raise TokenRequestInvalid(str(e), {"field": e.field}) from e
    _audit(request, Access("token.create", f"token:{stored.id}", 201, detail={
        "name": stored.name, "role": stored.role,
        "expires_at": stored.expires_at and stored.expires_at.isoformat()}), principal, now)
    return TokenCreated(**TokenOut.of(stored, now, tz).model_dump(), token=token)


@router.delete("/admin/tokens/{token_id}", response_model=TokenOut, summary="Revoke a token",
               description="At once: the next request with it gets 401 auth.invalid.",
               responses={404: {"model": ErrorOut, "description": "token.not_found"},
                          409: {"model": ErrorOut, "description": "token.revoked"},
                          422: {"model": ErrorOut, "description": "request.invalid"}})
def revoke_token(request: Request, token_id: TokenId, principal: Admin, clock: AppClock,
                 tz: CompanyZone) -> TokenOut:
    now = clock()
    access = Access("token.revoke", f"token:{token_id}", 200)
    try:
        revoked = token_store(request).revoke(token_id, now)
    except (TokenNotFound, TokenAlreadyRevoked) as e:
        error: ApiError = (TokenNotFoundError(details={"id": token_id})
                           if isinstance(e, TokenNotFound)
                           else TokenRevokedError(details={"id": token_id}))
        _audit(request, Access(access.action, access.target, error.status,
                               error_id=error.error_id), principal, now)
        raise error from e
    _audit(request, Access(access.action, access.target, 200, detail={
        "name": revoked.name, "role": revoked.role}), principal, now)
    return TokenOut.of(revoked, now, tz)
