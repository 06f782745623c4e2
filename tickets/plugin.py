"""Voicemail becomes a ticket (issue 6): the dialplan announces every message kept
(UserEvent HotlineVoicemailLeft with the message file, the call's linkedid and the caller's
number, from the hangup of [hotline-leave-message]); this plugin copies the message into the
recordings folder (Asterisk's mailbox is not ours to keep), waits briefly for the call's
record, and opens a ticket: channel voicemail, status new, the call linked.

A caller who leaves no message gets no event, so no ticket. One ticket per message: Asterisk's
msg_id (from the message's .txt) is unique on the tickets table. Messages left while the bridge
was not listening are found at every AMI login (`resync`): a message in the mailbox newer than
the newest one already ticketed gets its ticket then, linked to its call if the call has a
record (found by the caller's channel name and time). A fresh database adopts no backlog."""

from __future__ import annotations

import asyncio
import configparser
import logging
import shutil
from collections.abc import Callable, Coroutine, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from callrecords.models import Call, CallLeg
from domain.workcal import local_time
from ivr.ami_events import EventDispatcher
from tickets.desk import TicketDesk
from tickets.models import Ticket

log = logging.getLogger(__name__)

EVENT = "HotlineVoicemailLeft"
VOICEMAIL_FOLDER = "voicemail"  # under the recordings folder


def message_info(wav: Path) -> dict[str, str]:
    """The [message] section of Asterisk's msgNNNN.txt beside the message; {} if unreadable."""
    parser = configparser.ConfigParser(interpolation=None, comment_prefixes=(";",))
    try:
        parser.read_string(wav.with_suffix(".txt").read_text(encoding="utf-8"))
        return dict(parser["message"])
    except (OSError, UnicodeDecodeError, configparser.Error, KeyError):
        return {}


def caller_number(callerid: str) -> str:
    """'"测试客户" <13900000004>' -> '13900000004'."""
    _, _, rest = callerid.rpartition("<")
    return rest.rstrip(">").strip() if rest else callerid.strip()


class VoicemailTickets:
    def __init__(self, desk: TicketDesk, recordings_dir: Path,
                 host_path: Callable[[str], Path], mailbox_dir: Path | None = None,
                 record_wait: float = 10.0, poll: float = 0.5) -> None:
        self.desk = desk
        self.recordings_dir = recordings_dir
        self.host_path = host_path  # Asterisk's path (inside its root) -> this host's
        self.mailbox_dir = mailbox_dir  # the hotline mailbox's INBOX, for resync
        self.record_wait, self.poll = record_wait, poll
        self.opened = 0
        self._tasks: set[asyncio.Task[Any]] = set()

    def attach(self, events: EventDispatcher) -> None:
        events.subscribe("UserEvent", self.on_event)
        events.on_login(self.resync)

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
        source = self.host_path(inner_file)
        msg_id = message_info(source).get("msg_id") or None
        relative = await asyncio.to_thread(self._copy, source, linkedid)
        if relative is None:
            return None
        call = await self._wait_call(linkedid)
        ticket_id = await asyncio.to_thread(self._create, relative, caller, call, msg_id)
        log.info("voicemail of call %s is ticket %s", linkedid, ticket_id)
        return ticket_id

    async def resync(self) -> None:
        """After every AMI login: messages left while nobody listened get their tickets."""
        try:
            opened = await asyncio.to_thread(self.adopt_missed)
        except Exception:
            log.exception("voicemail resync failed")
            return
        if opened:
            log.warning("%s voicemail message(s) left while the bridge was not listening "
                        "became tickets", opened)

    def adopt_missed(self) -> int:
        if self.mailbox_dir is None or not self.mailbox_dir.is_dir():
            return 0
        with self.desk.store.sessions() as session:
            newest = session.scalar(select(func.max(Ticket.voicemail_msg_id)))
            if newest is None:
                return 0  # a fresh database adopts no backlog
            known = set(session.scalars(select(Ticket.voicemail_msg_id).where(
                Ticket.voicemail_msg_id >= newest.partition("-")[0])))
        opened = 0
        for wav in sorted(self.mailbox_dir.glob("msg*.wav")):
            info = message_info(wav)
            msg_id = info.get("msg_id", "")
            if not msg_id or msg_id <= newest or msg_id in known:
                continue
            call = self._call_of(info)
            key = call.linkedid if call is not None else msg_id
            relative = self._copy(wav, key)
            if relative is not None:
                self._create(relative, caller_number(info.get("callerid", "")), call, msg_id)
                opened += 1
        return opened

    def _call_of(self, info: Mapping[str, str]) -> Call | None:
        """The call that left the message: its caller leg had this channel name then."""
        try:
            left = datetime.fromtimestamp(int(info.get("origtime", "")), UTC)
        except ValueError:
            return None
        with self.desk.store.sessions() as session:
            return session.scalar(select(Call).join(CallLeg).where(
                CallLeg.channel == info.get("callerchan", ""),
                Call.started_at >= left - timedelta(hours=1), Call.started_at <= left)
                .order_by(Call.started_at.desc()).limit(1))

    def _copy(self, source: Path, key: str) -> str | None:
        day = local_time(self.desk.schedule, self.desk.clock()).strftime("%Y/%m/%d")
        relative = f"{VOICEMAIL_FOLDER}/{day}/{key}.wav"
        target = self.recordings_dir / relative
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        except OSError as e:
            log.error("voicemail %s (%s) cannot be kept: %s", source, key, e)
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

    def _existing(self, relative: str, msg_id: str | None) -> int | None:
        match = Ticket.voicemail_path == relative
        if msg_id is not None:
            match = match | (Ticket.voicemail_msg_id == msg_id)
        with self.desk.store.sessions() as session:
            return session.scalar(select(Ticket.id).where(match).limit(1))

    def _create(self, relative: str, caller: str, call: Call | None,
                msg_id: str | None) -> int:
        existing = self._existing(relative, msg_id)
        if existing is not None:
            return existing
        number = call.caller if call is not None and call.caller else caller
        name = call.caller_name if call is not None else ""
        try:
            ticket = self.desk.create({
                "channel": "voicemail", "subject": "语音留言",
                "customer": {"number": number, "name": name},
                "call_ids": [call.id] if call is not None else [],
                "voicemail_path": relative, "voicemail_msg_id": msg_id}, "system", None)
        except IntegrityError:  # the live event and a resync raced for the same message
            found = self._existing(relative, msg_id)
            if found is None:
                raise
            return found
        self.opened += 1
        return ticket.id

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
