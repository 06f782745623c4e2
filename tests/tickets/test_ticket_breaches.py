"""Breaches found without anybody looking, and pushed once to `[tickets] webhook_url` (R15):
a receiver on loopback gets one POST per breached clock; while it is down or failing the
watcher retries with a doubling back-off, and what was not delivered is sent by a new watcher
after a restart (the outbox is a table). Time is a ManualClock, moved by the test."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from callrecords.store import CallStore
from tests.tickets.ticket_fixtures import Desk
from tickets.desk import TicketDesk, desk_from_settings
from tickets.watcher import BreachWatcher, retry_delay

SH = ZoneInfo("Asia/Shanghai")


class Receiver:
    """A webhook receiver on loopback that can be down, failing (500) or fine."""

    def __init__(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.posts: list[dict[str, Any]] = []
        self.status = 200
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/breach"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.status == 200:
                    receiver.posts.append({"path": self.path, **json.loads(body)})
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.stop()


def setup(make_desk: Callable[..., Desk], receiver: Receiver) -> tuple[Desk, TicketDesk,
                                                                       BreachWatcher]:
    desk = make_desk(HOTLINE_TICKETS__WEBHOOK_URL=receiver.url)
    ticket_desk: TicketDesk = desk.client.app.state.ticket_desk  # type: ignore[attr-defined]
    return desk, ticket_desk, BreachWatcher(ticket_desk, receiver.url, SH, interval=0.05)


def inquiry(ticket_desk: TicketDesk) -> int:
    return ticket_desk.create({"category": "inquiry", "customer": {"number": "1380000"}},
                              "admin/x", None).id


async def test_a_breach_is_posted_once(make_desk: Callable[..., Desk],
                                       receiver: Receiver) -> None:
    receiver.start()
    desk, ticket_desk, watcher = setup(make_desk, receiver)
    tid = inquiry(ticket_desk)
    assert await watcher.tick() == 0
    desk.clock.advance(minutes=10)  # due 10:10, not yet past
    assert await watcher.tick() == 0 and receiver.posts == []
    desk.clock.advance(seconds=1)
    assert await watcher.tick() == 1
    assert receiver.posts == [{"path": "/hooks/breach", "event": "ticket.clock_breached",
                               "ticket_id": tid, "clock": "start",
                               "due_at": "2026-11-23T10:10:00.000+08:00"}]
    for _ in range(3):
        desk.clock.advance(minutes=5)
        assert await watcher.tick() == 0
    assert len(receiver.posts) == 1
    t = ticket_desk.store.get(tid)
    assert t is not None and t.breached


async def test_the_background_watcher_finds_a_breach_by_itself(
        make_desk: Callable[..., Desk], receiver: Receiver) -> None:
    receiver.start()
    desk, ticket_desk, watcher = setup(make_desk, receiver)
    tid = inquiry(ticket_desk)
    watcher.start()
    try:
        await asyncio.sleep(0.2)
        assert receiver.posts == []
        desk.clock.advance(minutes=10, seconds=1)  # nobody looks at the ticket
        for _ in range(100):
            if receiver.posts:
                break
            await asyncio.sleep(0.05)
        assert [(p["ticket_id"], p["clock"]) for p in receiver.posts] == [(tid, "start")]
        assert watcher.running
    finally:
        await watcher.stop()
    assert not watcher.running


async def test_a_receiver_down_gets_it_later_even_after_a_restart(
        make_desk: Callable[..., Desk], receiver: Receiver) -> None:
    desk, ticket_desk, watcher = setup(make_desk, receiver)  # the receiver is down
    tid = inquiry(ticket_desk)
    desk.clock.advance(minutes=11)
    assert await watcher.tick() == 0
    [notice] = ticket_desk.store.notices(tid)
    assert notice.attempts == 1 and notice.delivered_at is None
    assert notice.last_error and "Connect" in notice.last_error
    desk.clock.advance(retry_delay(1) - retry_delay(1) / 5)
    assert await watcher.tick() == 0
    assert ticket_desk.store.notices(tid)[0].attempts == 1  # backing off: not tried
    desk.clock.advance(retry_delay(1) / 5)
    receiver.status = 500
    receiver.start()  # up, but failing
    assert await watcher.tick() == 0
    [notice] = ticket_desk.store.notices(tid)
    assert notice.attempts == 2 and notice.last_error == "HTTP 500"

    # The service restarts: a new store, desk and watcher on the same database.
    receiver.status = 200
    settings = desk.settings
    again = desk_from_settings(settings, CallStore(settings.storage.database_url), desk.clock)
    restarted = BreachWatcher(again, receiver.url, SH)
    desk.clock.advance(retry_delay(2))
    assert await restarted.tick() == 1
    assert [(p["ticket_id"], p["clock"]) for p in receiver.posts] == [(tid, "start")]
    desk.clock.advance(hours=1)
    assert await restarted.tick() == 0 and len(receiver.posts) == 1


def test_the_back_off_doubles_up_to_ten_minutes() -> None:
    assert [retry_delay(n).total_seconds() for n in range(1, 10)] == [
        5, 10, 20, 40, 80, 160, 320, 600, 600]


def test_breached_listing_needs_no_watcher(desk: Desk) -> None:
    """GET /tickets?breached=true is right even before the watcher came round."""
    t = desk.create(category="inquiry")
    desk.clock.advance(minutes=10, seconds=1)
    r = desk.client.get("/tickets", params={"breached": "true"}, headers=desk.as_("admin"))
    assert [x["id"] for x in r.json()["items"]] == [t["id"]]


async def test_without_a_webhook_url_breaches_are_recorded_not_sent(desk: Desk) -> None:
    ticket_desk: TicketDesk = desk.client.app.state.ticket_desk  # type: ignore[attr-defined]
    watcher = BreachWatcher(ticket_desk, "", SH)
    tid = inquiry(ticket_desk)
    desk.clock.advance(minutes=11)
    assert await watcher.tick() == 0
    [notice] = ticket_desk.store.notices(tid)
    assert notice.delivered_at is not None and notice.last_error == (
        "not sent: no webhook_url configured")
