"""Dependencies every feature's router shares: who is calling (`CurrentPrincipal`), which
roles may call a route (`require_role`), and the app-wide objects the routers read from
`app.state` (set once by api.app.create_app). Routers are module-level; nothing here is built
per request except the principal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials

from api.auth import Principal, TokenAuth, bearer_scheme
from api.errors import Forbidden, InvalidRequest
from domain.clock import Clock


def current_principal(
    request: Request,
    _documented: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    """The caller's principal from `Authorization: Bearer <token>`; 401 otherwise. The
    HTTPBearer dependency only documents the scheme in OpenAPI: TokenAuth reads the header
    itself so that a missing and a malformed header get different error ids."""
    auth: TokenAuth = request.app.state.token_auth
    return auth.identify(request.headers.get("authorization"))


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def ensure_role(principal: Principal, roles: frozenset[str]) -> None:
    """403 auth.forbidden unless the principal has one of these roles. For handlers that must
    see (and audit) a refused request themselves; others use require_role."""
    if not principal.has_role(roles):
        raise Forbidden(details={"role": principal.role, "allowed": sorted(roles)})


def require_role(*roles: str) -> Callable[[Principal], Principal]:
    """A dependency that lets only these roles through (403 auth.forbidden otherwise):
    `principal: Annotated[Principal, Depends(require_role("qa", "admin"))]`."""
    allowed = frozenset(roles)

    def check(principal: CurrentPrincipal) -> Principal:
        ensure_role(principal, allowed)
        return principal

    return check


def clock(request: Request) -> Clock:
    """The app's one clock (domain.clock): tests give create_app a ManualClock."""
    app_clock: Clock = request.app.state.clock
    return app_clock


AppClock = Annotated[Clock, Depends(clock)]


def company_zone(request: Request) -> ZoneInfo:
    zone: ZoneInfo = request.app.state.timezone
    return zone


CompanyZone = Annotated[ZoneInfo, Depends(company_zone)]


DEFAULT_PAGE_SIZE = 50

# Every list's `limit`. Its maximum is the page_size_max setting, which module-level routers
# cannot know when they are built: checked by page_size, and written into the OpenAPI document
# by api.app.
PageLimit = Annotated[int | None, Query(ge=1, description="Page size")]


def page_size(request: Request, limit: int | None) -> int:
    """The page size a list uses: the default when none is asked, 422 (the body FastAPI's own
    validation gives) beyond the page_size_max setting."""
    maximum: int = request.app.state.page_size_max
    if limit is None:
        return min(DEFAULT_PAGE_SIZE, maximum)
    if limit > maximum:
        message = f"Input should be less than or equal to {maximum}"
        raise InvalidRequest(f"query.limit: {message}", {"errors": [
            {"location": "query.limit", "message": message, "type": "less_than_equal",
             "input": limit}]})
    return limit
