"""The one place AMI events enter the bridge. Features subscribe to the events they need by name
(`subscribe("QueueMemberPause", handler)`); nobody else registers on the AMI client.

A handler gets the event as a mapping. A handler that raises is logged and the others still
run: one odd event must not stop the tracking of every other call. A handler may be a coroutine
function; its task is kept until it finishes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any

from ivr.ami import AmiClient

log = logging.getLogger(__name__)

Event = Mapping[str, Any]
Handler = Callable[[Event], Awaitable[None] | None]
LoginHandler = Callable[[], Awaitable[None] | None]


class EventDispatcher:
    def __init__(self, client: AmiClient) -> None:
        self.client = client
        self._handlers: dict[str, list[Handler]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        client.register_event("*", self._dispatch)
        # Events nobody subscribed to are dropped before they are parsed (issue 9): the set is
        # the subscriptions themselves, so a feature's new subscription cannot be filtered out.
        client.keep_only(self._wanted)

    def subscribe(self, name: str, handler: Handler) -> None:
        """Calls handler for every event called `name` ("*": every event), in subscription
        order, on the event loop."""
        self._handlers.setdefault(name, []).append(handler)

    def subscribe_many(self, names: list[str] | tuple[str, ...], handler: Handler) -> None:
        for name in names:
            self.subscribe(name, handler)

    def on_login(self, handler: LoginHandler) -> None:
        """After every (re)login: events sent while disconnected are lost, so a feature that
        keeps state asks Asterisk what is live here."""
        self.client.add_login_callback(handler)

    def _wanted(self) -> Collection[str] | None:
        return None if "*" in self._handlers else self._handlers.keys()

    @property
    def names(self) -> set[str]:
        return set(self._handlers)

    def _dispatch(self, _manager: Any, event: Event) -> None:
        self.dispatch(event)

    def dispatch(self, event: Event) -> None:
        name = str(event.get("Event", ""))
        for handler in [*self._handlers.get(name, ()), *self._handlers.get("*", ())]:
            try:
                result = handler(event)
            except Exception:
                log.exception("handler %s failed on AMI event %s", _name(handler), name)
                continue
            if isinstance(result, Awaitable):
                self._keep(result, handler, name)

    def _keep(self, awaitable: Awaitable[None], handler: Handler, name: str) -> None:
        async def run() -> None:
            try:
                await awaitable
            except Exception:
                log.exception("handler %s failed on AMI event %s", _name(handler), name)

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _name(handler: Handler) -> str:
    return getattr(handler, "__qualname__", repr(handler))
