"""One round every `interval` seconds until stopped. The jobs decide what is due from the one
clock in their own round (so tests call the round directly, on a ManualClock); this only
repeats it, survives a failed round (the database may be down for a while) and stops."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class PeriodicJob:
    def __init__(self, name: str, round_: Callable[[], Awaitable[object]], interval: float,
                 failed: str) -> None:
        """`failed`: what the log says when a round raises, e.g. "the retention purge failed"."""
        self.name, self.round, self.interval, self.failed = name, round_, interval, failed
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name=self.name)

    async def stop(self, timeout: float = 10.0) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait({self._task}, timeout=timeout)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def _run(self) -> None:
        while True:
            try:
                await self.round()
            except Exception:
                log.exception("%s; trying again in %g s", self.failed, self.interval)
            await asyncio.sleep(self.interval)
