"""Errors the HTTP API answers with, and the handlers that render them.

Every error response, whatever raised it, has the same JSON body::

    {"error_id": "<stable.dotted.id>", "message": "<human text>", "details": {...}}

``error_id`` is the contract clients branch on; ``message`` is for people and may change.

Hierarchy (status, error_id)::

    ApiError                      500 internal.error
    ├── AuthError                 401 (always with WWW-Authenticate: Bearer)
    │   ├── AuthMissing               auth.missing          no Authorization header
    │   └── AuthInvalid               auth.invalid          not a Bearer token, or unknown token
    ├── Forbidden                 403 auth.forbidden        the token's role may not do this
    ├── NotFound                  404
    │   └── RouteNotFound             route.not_found       no such URL
    ├── MethodNotAllowed          405 request.method_not_allowed
    ├── InvalidRequest            422 request.invalid       bad query/path parameter or body
    └── DatabaseUnavailable       503 database.unavailable

Each feature adds its own errors beside its router, subclassing these (calls/errors.py:
call.not_found, recording.*, calls.invalid_period).

Any other HTTP status raised by the framework is rendered as ``http.<status>``. SQLAlchemy
errors and ``callrecords.store.StoreError`` escaping a route become ``database.unavailable``
so a dead database never shows up as a 500 with a stack trace.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from callrecords.store import StoreError

log = logging.getLogger("hotline.api")


class ApiError(Exception):
    status: int = 500
    error_id: str = "internal.error"
    message: str = "internal error"

    def __init__(self, message: str | None = None, details: Mapping[str, Any] | None = None,
                 headers: Mapping[str, str] | None = None) -> None:
        self.message = message or type(self).message
        self.details: dict[str, Any] = dict(details or {})
        self.headers: dict[str, str] = dict(headers or {})
        super().__init__(self.message)


class AuthError(ApiError):
    status = 401
    error_id = "auth.invalid"
    message = "authentication failed"

    def __init__(self, message: str | None = None,
                 details: Mapping[str, Any] | None = None) -> None:
        # RFC 6750 §3: a 401 must tell the client which scheme to use.
        super().__init__(message, details, {"WWW-Authenticate": "Bearer"})


class AuthMissing(AuthError):
    error_id = "auth.missing"
    message = "missing Authorization: Bearer <token> header"


class AuthInvalid(AuthError):
    error_id = "auth.invalid"
    message = "invalid bearer token"


class Forbidden(ApiError):
    status = 403
    error_id = "auth.forbidden"
    message = "this token's role may not access this resource"


class NotFound(ApiError):
    status = 404
    error_id = "not_found"
    message = "not found"


class RouteNotFound(NotFound):
    error_id = "route.not_found"
    message = "no such route"


class MethodNotAllowed(ApiError):
    status = 405
    error_id = "request.method_not_allowed"
    message = "method not allowed"


class InvalidRequest(ApiError):
    status = 422
    error_id = "request.invalid"
    message = "invalid request"


class DatabaseUnavailable(ApiError):
    status = 503
    error_id = "database.unavailable"
    message = "the call database is unavailable"


def error_body(error_id: str, message: str, details: Mapping[str, Any] | None = None
               ) -> dict[str, Any]:
    return {"error_id": error_id, "message": message, "details": dict(details or {})}


def _render(err: ApiError) -> JSONResponse:
    return JSONResponse(error_body(err.error_id, err.message, jsonable_encoder(err.details)),
                        status_code=err.status, headers=err.headers or None)


async def _on_api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return _render(exc)


def _loc(loc: Any) -> str:
    return ".".join(str(p) for p in loc) if isinstance(loc, list | tuple) else str(loc)


async def _on_validation(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # Only location, message and type: the raw pydantic error may hold unserialisable objects.
    errors = [{"location": _loc(e.get("loc", ())), "message": str(e.get("msg", "")),
               "type": str(e.get("type", ""))} for e in exc.errors()]
    first = errors[0] if errors else {"location": "", "message": "invalid request"}
    return _render(InvalidRequest(f"{first['location']}: {first['message']}",
                                  {"errors": errors}))


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    err: ApiError
    if exc.status_code == 404:
        err = RouteNotFound()
    elif exc.status_code == 400:
        # FastAPI's answer to a body it cannot parse at all: malformed input like any other.
        err = InvalidRequest(f"body: {exc.detail}")
    elif exc.status_code == 405:
        err = MethodNotAllowed()
        # Starlette names only the first route matching the path; a path served by several
        # routes (GET and PATCH /qa/reviews/{id}) allows all their methods.
        err.headers["Allow"] = ", ".join(_allowed_methods(request))
        exc.headers = None
    else:
        err = ApiError(str(exc.detail))
        err.status, err.error_id = exc.status_code, f"http.{exc.status_code}"
    if exc.headers:
        err.headers.update(exc.headers)
    return _render(err)


def _allowed_methods(request: Request) -> list[str]:
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


async def _on_database(request: Request, exc: Exception) -> JSONResponse:
    # One line, no traceback: the database being down is an operational state, not a bug.
    log.error("database error during %s %s: %s", request.method, request.url.path,
              str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    return _render(DatabaseUnavailable())


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error during %s %s", request.method, request.url.path,
                  exc_info=exc)
    return _render(ApiError())


def install_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _on_api_error)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(SQLAlchemyError, _on_database)
    app.add_exception_handler(StoreError, _on_database)
    app.add_exception_handler(Exception, _on_unexpected)


class CursorError(InvalidRequest):
    """A list's ?cursor= refused (GET /calls, GET /audit; each list subclasses it with its
    own error_id). Names the parameter the way request.invalid does (details.errors[0].location)."""

    reason = "not a cursor of this list"

    def __init__(self, reason: str | None = None) -> None:
        reason = reason or self.reason
        super().__init__(f"query.cursor: {reason}", {"errors": [
            {"location": "query.cursor", "message": reason, "type": self.error_id}]})
