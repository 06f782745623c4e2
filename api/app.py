"""Wiring: builds the FastAPI application from the settings, the call store and the service's
health probe. Each feature has one module-level router (calls.http today; tickets, QA and
agents follow the same shape), included here; what the routers need is put on ``app.state``.
Nothing here touches the database at import time."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from fastapi_offline import FastAPIOffline
from starlette.concurrency import run_in_threadpool
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from agents.desk import PresenceDesk
from agents.http import router as agents_router
from agents.store import PresenceStore
from api.auth import TokenAuth
from api.deps import DEFAULT_PAGE_SIZE
from api.errors import install_handlers
from api.listen import new_key
from api.observe import RequestCounter
from api.route_roles import roles_of
from api.schemas import Health
from audit.http import router as audit_router
from audit.store import AuditLog
from callrecords.store import CallStore
from calls.http import router as calls_router
from calls.listening import router as listening_router
from credentials.http import router as tokens_router
from credentials.store import TokenStore
from domain.clock import Clock, system_clock
from live.http import router as live_router
from metrics import CONTENT_TYPE_LATEST, exposition
from qa.http import router as qa_router
from recordings.peaks import PeaksCache
from settings import Settings
from tickets.desk import desk_from_settings
from tickets.http import router as tickets_router

log = logging.getLogger("hotline.api")

DOCS_ASSETS = "/docs-assets"

DESCRIPTION = """\
Call records and recordings of the customer-service hotline, and the tickets (工单) with their
service clocks (R13-R17) under `/tickets`.

Every route except `/health` needs `Authorization: Bearer <token>`, with a token made by
`hotline tokens create` or `POST /admin/tokens`, or one from the `[api] tokens` setting.
Roles: `admin` and `qa` may read everything; `ticket` may read call records but not
recordings; only `admin` manages tokens (`/admin/tokens`). Recording downloads are audited.

Errors always have the body `{"error_id": "...", "message": "...", "details": {...}}`;
branch on `error_id`, not on `message`. Times are ISO 8601 in the company's time zone.
"""


def _health_body(database: bool, extra: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    body: dict[str, Any] = {**extra, "database": database}
    # Only booleans say up/down; other values (counters, versions) are informational.
    healthy = all(v is not False for v in body.values())
    body["status"] = "ok" if healthy else "degraded"
    return (200 if healthy else 503), body


def create_app(settings: Settings, store: CallStore,
               health: Callable[[], dict[str, Any]] | None = None,
               clock: Clock = system_clock) -> FastAPI:
    # /docs and /redoc with Swagger UI's and ReDoc's assets served from the installed package
    # (fastapi-offline), not a CDN: a call centre's network may have no internet (issue 12).
    app = FastAPIOffline(
        title="Hotline API",
        description=DESCRIPTION,
        version="1",
        static_url=DOCS_ASSETS,
        # Swagger UI would otherwise send the document to an online validator for its badge.
        swagger_ui_parameters={"validatorUrl": None},
    )
    install_handlers(app)
    app.add_middleware(RequestCounter)

    @app.get("/metrics", tags=["service"], summary="Prometheus metrics",
             response_class=Response,
             description="Counters in the Prometheus text format, for a scraper on the "
                         "operator's network: calls by route and disposition, call records "
                         "written/spooled/lost, recording failures, routing decisions, API "
                         "requests by route and status. No numbers or names of people.",
             responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}})
    def get_metrics() -> Response:
        return Response(exposition(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/health", response_model=Health, tags=["service"], summary="Liveness",
             responses={503: {"model": Health, "description": "Something is down"}})
    async def get_health() -> JSONResponse:
        database = await run_in_threadpool(store.ping)
        extra: dict[str, Any] = {}
        if health is not None:
            # Called on the event loop on purpose: the bridge it inspects lives there.
            try:
                extra = dict(health())
            except Exception:
                log.exception("the health probe failed")
                extra = {"health_probe": False}
        status, body = _health_body(database, extra)
        return JSONResponse(body, status_code=status)

    app.state.settings = settings
    app.state.clock = clock  # every "now" a router needs (service clocks, sampling)
    app.state.token_store = TokenStore(store.sessions)
    app.state.token_auth = TokenAuth(settings.api.tokens, app.state.token_store, clock)
    app.state.timezone = ZoneInfo(settings.company.timezone)
    app.state.call_store = store
    app.state.audit_log = AuditLog(store.sessions)
    app.state.recordings_dir = Path(settings.storage.recordings_dir).resolve()
    app.state.page_size_max = settings.api.page_size_max
    app.state.count_limit = settings.api.count_limit  # GET /calls counts this far (issue 9)
    app.state.unmasked_roles = frozenset(settings.privacy.unmasked_roles)  # R26
    app.include_router(calls_router)
    app.include_router(audit_router)
    app.include_router(qa_router)
    app.state.ticket_desk = desk_from_settings(settings, store, clock)
    app.include_router(tickets_router)
    app.include_router(tokens_router)
    app.state.listen_key = new_key()  # signed listening links (api.listen), this process's
    app.state.peaks_cache = PeaksCache(settings.console.peaks_cache_entries)
    app.include_router(listening_router)
    _mount_console(app)
    # Without a bridge, changes are recorded and applied at its next AMI login; `hotline up`
    # puts the bridge's desk here (hotline/service.py).
    app.state.agent_presence = PresenceDesk(settings, PresenceStore(store.sessions), clock)
    app.include_router(agents_router)
    app.include_router(live_router)  # R18; app.state.live_listening is set by hotline up
    _document_page_size(app, settings.api.page_size_max)
    _document_roles(app)
    return app


class _ConsoleFiles(StaticFiles):
    """The QA console's files (package `console`, issue 10). Its pages may load only from
    this origin: nothing from the network at run time, and no inline script to inject into."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
            "style-src 'self' 'unsafe-inline'; frame-src 'self' blob:; object-src 'none'; "
            "base-uri 'none'; frame-ancestors 'self'")
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-cache"  # revalidate: an upgrade shows at once
        return response


def _mount_console(app: FastAPI) -> None:
    """/console/: static files, not API routes (so not in OpenAPI nor api.route_roles):
    anyone may load the page; everything it shows comes through the API with a token."""
    app.mount("/console", _ConsoleFiles(packages=[("console", "static")], html=True),
              name="console")


def _document_roles(app: FastAPI) -> None:
    """Every operation says which roles may use it (`x-roles`, from api.route_roles: the
    table tests/api/test_api_route_roles.py checks the routes against)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = build()
            for path, operations in doc.get("paths", {}).items():
                for method, operation in operations.items():
                    roles = roles_of(method, path)
                    if roles is not None:
                        operation["x-roles"] = sorted(roles)
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _document_page_size(app: FastAPI, page_size_max: int) -> None:
    """Every `limit` query parameter is capped by the page_size_max setting, which the
    module-level routers cannot know when they are built: written into the OpenAPI document
    here, once."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = build()
            for path in doc.get("paths", {}).values():
                for operation in path.values():
                    for param in operation.get("parameters", []):
                        if param.get("in") == "query" and param.get("name") == "limit":
                            param["schema"] = {
                                "type": "integer", "minimum": 1, "maximum": page_size_max,
                                "default": min(DEFAULT_PAGE_SIZE, page_size_max),
                                "title": "Limit"}
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
