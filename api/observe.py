"""Counts every API request by method, route template (not the raw path: /calls/{call_id}, so
ids do not explode the label set) and status, for GET /metrics. A plain ASGI middleware: it
never buffers a response (recordings are streamed)."""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from metrics import API_REQUESTS


class RequestCounter:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # what the client gets if the app fails before answering

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route: Any = scope.get("route")
            template = getattr(route, "path", None) or "(no route)"
            API_REQUESTS.labels(scope.get("method", ""), template, str(status)).inc()
