"""Breaches are found even if nobody looks (R15): every few seconds the watcher re-settles the
tickets whose next due time has come (tickets.desk marks the breach and writes one outbox row
per breached clock in the same transaction, and escalates a month unresolved, R14), then
POSTs every undelivered outbox row to `[tickets] webhook_url`:

    {"event": "ticket.clock_breached", "ticket_id": 7, "clock": "start",
     "due_at": "2026-11-23T10:10:00.000+08:00"}

A receiver that fails (no answer, not 2xx) is tried again with a doubling back-off; the outbox
is a table, so what was not delivered is sent after a restart. Time comes from the one clock,
so tests move a ManualClock and call `tick()`."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta, tzinfo

import httpx

from jobs.periodic import PeriodicJob
from tickets.desk import TicketDesk
from tickets.models import BreachNotice
from tickets.store import utc

log = logging.getLogger(__name__)

SCAN_SECONDS = 5.0  # a breach is found within this (the issue asks for 15 s)
POST_TIMEOUT = 5.0
FIRST_RETRY = timedelta(seconds=5)  # then 10 s, 20 s ... at most MAX_RETRY
MAX_RETRY = timedelta(minutes=10)
NOT_SENT = "not sent: no webhook_url configured"


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed delivery (1, 2, ...)."""
    return min(FIRST_RETRY * (1 << min(max(attempts - 1, 0), 20)), MAX_RETRY)


class BreachWatcher:
    def __init__(self, desk: TicketDesk, webhook_url: str, timezone: tzinfo,
                 interval: float = SCAN_SECONDS) -> None:
        self.desk, self.webhook_url, self.timezone = desk, webhook_url, timezone
        self.interval = interval
        self.delivered = 0
        self._job = PeriodicJob("ticket-breaches", self.tick, interval,
                                "breach watcher round failed")

    def start(self) -> None:
        self._job.start()

    async def stop(self) -> None:
        await self._job.stop()

    @property
    def running(self) -> bool:
        return self._job.running

    async def tick(self) -> int:
        """One round: mark what is due, deliver what waits. Returns the number delivered."""
        await asyncio.to_thread(self.scan)
        return await self.deliver()

    def scan(self) -> int:
        ids = self.desk.store.due_by(self.desk.clock())
        for ticket_id in ids:
            self.desk.refresh(ticket_id)
        return len(ids)

    async def deliver(self) -> int:
        notices = await asyncio.to_thread(self.desk.store.notices_due, self.desk.clock())
        sent = 0
        if not notices:
            return 0
        async with httpx.AsyncClient(timeout=POST_TIMEOUT) as client:
            for notice in notices:
                sent += await self._deliver_one(client, notice)
        return sent

    async def _deliver_one(self, client: httpx.AsyncClient, notice: BreachNotice) -> bool:
        store = self.desk.store
        if not self.webhook_url:  # recorded, not queued for a receiver configured one day
            await asyncio.to_thread(store.notice_delivered, notice.id, self.desk.clock(),
                                    NOT_SENT)
            return False
        body = {"event": "ticket.clock_breached", "ticket_id": notice.ticket_id,
                "clock": notice.clock,
                "due_at": utc(notice.due_at).astimezone(self.timezone).isoformat(
                    timespec="milliseconds")}
        try:
            response = await client.post(self.webhook_url, json=body)
            error = None if response.is_success else f"HTTP {response.status_code}"
        except httpx.HTTPError as e:
            error = f"{type(e).__name__}: {e}"
        if error is None:
            await asyncio.to_thread(store.notice_delivered, notice.id, self.desk.clock())
            self.delivered += 1
            return True
        attempts = notice.attempts + 1
        retry_at = self.desk.clock() + retry_delay(attempts)
        log.warning("breach webhook for ticket %s (%s) failed, attempt %s, again at %s: %s",
                    notice.ticket_id, notice.clock, attempts, retry_at.isoformat(), error)
        await asyncio.to_thread(store.notice_failed, notice.id, attempts, retry_at, error)
        return False
