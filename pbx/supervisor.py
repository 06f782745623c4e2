"""Supervised Asterisk (issue 13, R7/R11): `hotline up` restarts an Asterisk that died (SIGKILL,
a crash, the OOM killer), with a growing delay between failed tries, counted
(`hotline_asterisk_restarts_total`), logged, and visible in /health (`asterisk_running` is
false while it is down, so /health answers 503). After a restart the bridge's AMI client logs
in again by itself, and every login resyncs the calls (calls/plugin.py)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from metrics import ASTERISK_RESTARTS
from pbx.process import Asterisk, AsteriskError

log = logging.getLogger(__name__)


class AsteriskSupervisor:
    def __init__(self, asterisk: Asterisk, check_seconds: float, restart_delay: float,
                 restart_delay_max: float, boot_timeout: float = 15.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.asterisk = asterisk
        self.check_seconds = check_seconds
        self.restart_delay = restart_delay
        self.restart_delay_max = restart_delay_max
        self.boot_timeout = boot_timeout
        self.clock = clock
        self.restarts = 0  # successful restarts since start
        self.failed_restarts = 0
        self.last_down_seconds: float | None = None  # how long the last outage lasted
        self._task: asyncio.Task[None] | None = None
        self._restarting: asyncio.Future[None] | None = None
        self._stopping = False

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self.run(),
                                                            name="asterisk-supervisor")

    async def stop(self, timeout: float = 5.0) -> None:
        """Stops watching, before Asterisk is stopped on purpose. A restart already under way
        runs in a thread that cannot be cancelled: it is waited for, so the Asterisk it
        starts is there to be stopped, not left running after the service has gone."""
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait({self._task}, timeout=timeout)
        if self._restarting is not None and not self._restarting.done():
            await asyncio.wait({self._restarting}, timeout=timeout)

    async def run(self) -> None:
        """Watches until stopped (or cancelled)."""
        delay = self.restart_delay
        down_since: float | None = None
        while not self._stopping:
            await asyncio.sleep(self.check_seconds)
            alive = await asyncio.to_thread(self.asterisk.alive)
            if alive or self._stopping:
                continue
            if down_since is None:
                down_since = self.clock()
                log.error("Asterisk (instance %s) is not running; restarting it in %.1f s",
                          self.asterisk.instance.name, delay)
            await asyncio.sleep(delay)
            if self._stopping:
                return
            try:
                self._restarting = asyncio.ensure_future(
                    asyncio.to_thread(self.asterisk.restart_dead))
                await asyncio.shield(self._restarting)
                booted = await self.asterisk.wait_booted(timeout=self.boot_timeout)
            except (AsteriskError, OSError) as e:
                self.failed_restarts += 1
                delay = min(max(delay, 0.1) * 2, self.restart_delay_max)
                log.error("restarting Asterisk failed (%s); next try in %.1f s", e, delay)
                continue
            self.restarts += 1
            ASTERISK_RESTARTS.inc()
            self.last_down_seconds = round(self.clock() - down_since, 3)
            log.warning("Asterisk restarted (booted in %.2f s, down %.1f s; restart #%d)",
                        booted, self.last_down_seconds, self.restarts)
            down_since, delay = None, self.restart_delay

    def health(self) -> dict[str, Any]:
        return {"asterisk_running": self.asterisk.alive(),
                "asterisk_restarts": self.restarts,
                "asterisk_failed_restarts": self.failed_restarts}
