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
from callrecords.store import StoreError
from calls.keeper import CallKeeper
from calls.outbound import count_refusal
from calls.recovery import Recovery
from calls.tracker import CallTracker
from ivr.ami_actions import ActionSender, AmiError, core_show_channels
from ivr.ami_events import EventDispatcher

log = logging.getLogger(__name__)


class CallsPlugin:
    def __init__(self, keeper: CallKeeper, ami: ActionSender,
                 clock: Callable[[], float] = time.time,
                 recovery: Recovery | None = None) -> None:
        self.keeper = keeper
        self.ami = ami
        self.clock = clock
        self.tracker = CallTracker()
        self.recovery = recovery  # issue 13: calls that ended while we were not listening
        self._kept: dict[str, float] = {}  # linkedid -> when the tracker handed it over
        self._tasks: set[asyncio.Task[Any]] = set()
        self._retry: asyncio.Task[None] | None = None
        self._recovering: asyncio.Task[None] | None = None
        # Calls a disconnect interrupted, waiting for a reconciliation pass to complete (a new
        # login cancels the pass under way; they must not be forgotten with it).
        self._interrupted: dict[str, CallRecord] = {}

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
        for task in (self._retry, self._recovering):
            if task is not None:
                task.cancel()
                await asyncio.wait({task}, timeout=timeout)

    def on_event(self, event: Mapping[str, Any]) -> None:
        record = self.tracker.feed(event, self.clock())
        if record is not None:
            self._hand_over(record)

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
        if self.recovery is None:
            for record in finished:
                self._hand_over(record)
            return
        self._interrupted.update((r.linkedid, r) for r in finished)
        if self._recovering is not None:
            self._recovering.cancel()
        live_calls = {str(ch.get("Linkedid")) for ch in live if ch.get("Linkedid")}
        self._recovering = asyncio.get_running_loop().create_task(
            self._recover(self.recovery, live_calls), name="calls-recovery")

    async def _recover(self, recovery: Recovery, live: set[str]) -> None:
        """Reconciles with Asterisk's CEL (which also completes the calls interrupted by the
        disconnect); with the database down, again every retry period until it can say what
        is stored (records made meanwhile go to the spool)."""
        while True:
            try:
                interrupted = list(self._interrupted.values())
                await recovery.run(live, set(self.tracker.calls) | set(self._kept), interrupted)
                for record in interrupted:
                    self._interrupted.pop(record.linkedid, None)
                    self._kept[record.linkedid] = self.clock()
                return
            except StoreError as e:
                log.warning("database unavailable, reconciliation retried in %.0f s: %s",
                            self.keeper.retry_seconds, e)
            except Exception:
                log.exception("reconciliation failed; retried in %.0f s",
                              self.keeper.retry_seconds)
            await asyncio.sleep(self.keeper.retry_seconds)

    def _hand_over(self, record: CallRecord) -> None:
        now = self.clock()
        self._kept[record.linkedid] = now
        if len(self._kept) > 1000:  # only the in-flight ones matter; the store knows the rest
            self._kept = {k: t for k, t in self._kept.items() if t > now - 600}
        if record.partial and self.recovery is not None:
            self._spawn(self._keep_completed(self.recovery, record))
        else:
            self._spawn(self.keeper.keep(record))

    async def _keep_completed(self, recovery: Recovery, record: CallRecord) -> None:
        await self.keeper.keep(await recovery.complete(record))

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
