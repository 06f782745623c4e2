"""Voicemail becomes a ticket (issue 6): the dialplan announces every message kept
(UserEvent HotlineVoicemailLeft with the message file, the call's linkedid and the caller's
number, from the hangup of [hotline-leave-message]); this plugin copies the message into the
recordings folder (Asterisk's mailbox is not ours to keep), waits briefly for the call's
record, and opens a ticket: channel voicemail, status new, the call linked.

A caller who leaves no message gets no event, so no ticket. The same message announced twice
(a replayed event) opens one ticket: the copy's path is the message's identity."""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Callable, Coroutine, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select

from callrecords.models import Call
from domain.workcal import local_time
from ivr.ami_events import EventDispatcher
from tickets.desk import TicketDesk
from tickets.models import Ticket

log = logging.getLogger(__name__)

EVENT = "HotlineVoicemailLeft"
VOICEMAIL_FOLDER = "voicemail"  # under the recordings folder


class VoicemailTickets:
    def __init__(self, desk: TicketDesk, recordings_dir: Path,
                 host_path: Callable[[str], Path], record_wait: float = 10.0,
                 poll: float = 0.5) -> None:
        self.desk = desk
        self.recordings_dir = recordings_dir
        self.host_path = host_path  # Asterisk's path (inside its root) -> this host's
        self.record_wait, self.poll = record_wait, poll
        self.opened = 0
        self._tasks: set[asyncio.Task[Any]] = set()

    def attach(self, events: EventDispatcher) -> None:
        events.subscribe("UserEvent", self.on_event)

    async def stop(self, timeout: float = 10.0) -> None:
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)

    def on_event(self, event: Mapping[str, Any]) -> None:
        if event.get("UserEvent") != EVENT:
            return
        linkedid, file = str(event.get("Call", "")), str(event.get("File", ""))
        if not linkedid or not file.endswith(".wav"):
            log.error("voicemail event without call or file: %s", dict(event))
            return
        self._spawn(self.open_ticket(linkedid, file, str(event.get("Caller", ""))))

    async def open_ticket(self, linkedid: str, inner_file: str, caller: str) -> int | None:
        relative = await asyncio.to_thread(self._copy, linkedid, inner_file)
        if relative is None:
            return None
        call = await self._wait_call(linkedid)
        ticket_id = await asyncio.to_thread(self._create, relative, caller, call)
        log.info("voicemail of call %s is ticket %s", linkedid, ticket_id)
        return ticket_id

    def _copy(self, linkedid: str, inner_file: str) -> str | None:
        source = self.host_path(inner_file)
        day = local_time(self.desk.schedule, self.desk.clock()).strftime("%Y/%m/%d")
        relative = f"{VOICEMAIL_FOLDER}/{day}/{linkedid}.wav"
        target = self.recordings_dir / relative
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        except OSError as e:
            log.error("voicemail %s of call %s cannot be kept: %s", source, linkedid, e)
            return None
        return relative

    async def _wait_call(self, linkedid: str) -> Call | None:
        """The call's record is written when the call ends, moments after the message."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.record_wait
        while True:
            call = await asyncio.to_thread(self.desk.store.calls.get_by_linkedid, linkedid)
            if call is not None or loop.time() >= deadline:
                if call is None:
                    log.warning("no call record for %s yet: voicemail ticket without it",
                                linkedid)
                return call
            await asyncio.sleep(self.poll)

    def _create(self, relative: str, caller: str, call: Call | None) -> int:
        with self.desk.store.sessions() as session:
            existing = session.scalar(select(Ticket.id).where(Ticket.voicemail_path == relative))
        if existing is not None:
            return existing
        number = call.caller if call is not None and call.caller else caller
        name = call.caller_name if call is not None else ""
        ticket = self.desk.create({
            "channel": "voicemail", "subject": "语音留言",
            "customer": {"number": number, "name": name},
            "call_ids": [call.id] if call is not None else [],
            "voicemail_path": relative}, "system", None)
        self.opened += 1
        return ticket.id

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
