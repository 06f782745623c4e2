"""The calls feature's wiring: the tracker follows the AMI events it needs (subscribed through
the one dispatcher), every finished call goes to the keeper, and after each AMI (re)login the
tracker is reconciled with what Asterisk says is live."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from callrecords.record import CallRecord
from calls.keeper import CallKeeper
from calls.outbound import count_refusal
from calls.tracker import CallTracker
from ivr.ami_actions import ActionSender, AmiError, core_show_channels
from ivr.ami_events import EventDispatcher

log = logging.getLogger(__name__)


class CallsPlugin:
    def __init__(self, keeper: CallKeeper, ami: ActionSender,
                 clock: Callable[[], float] = time.time) -> None:
        self.keeper = keeper
        self.ami = ami
        self.clock = clock
        self.tracker = CallTracker()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._retry: asyncio.Task[None] | None = None

    def attach(self, events: EventDispatcher) -> None:
        events.subscribe_many(CallTracker.EVENTS, self.on_event)
        events.subscribe("UserEvent", count_refusal)  # issue 13: refused outbound calls
        events.on_login(self.resync)

    def start(self) -> None:
        self._retry = asyncio.get_running_loop().create_task(
            self.keeper.retry_forever(), name="calls-spool-retry")

    async def stop(self, timeout: float = 10.0) -> None:
        """Records being written finish (bounded); the retry loop is cancelled, and whatever it
        had not committed stays in the spool."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)
        if self._retry is not None:
            self._retry.cancel()
            await asyncio.wait({self._retry}, timeout=timeout)

    def on_event(self, event: Mapping[str, Any]) -> None:
        record = self.tracker.feed(event, self.clock())
        if record is not None:
            self._spawn(self.keeper.keep(record))

    async def resync(self) -> None:
        """After every (re)login: events during a disconnect are lost, so ask what is live."""
        try:
            live = await core_show_channels(self.ami)
        except AmiError as e:
            log.warning("resync failed: %s", e)
            return
        finished: list[CallRecord] = self.tracker.resync(live, self.clock())
        for record in finished:
            log.warning("call %s ended while the bridge was not listening", record.linkedid)
            self._spawn(self.keeper.keep(record))

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
