"""The agents feature's AMI wiring (R24). Subscribes through the one dispatcher to:

- UserEvent HotlinePresence (the dialplan's feature codes, which Asterisk applies itself):
  recorded on the trail with via=phone;
- the queue's member and agent events: whether each phone is registered, ringing or on a call;

and after every AMI login reconciles: the agent's chosen state is the later of the database's
and Asterisk's own memory (AstDB: a code dialled while the bridge was down is only there), then
the queue is read back (QueueStatus) and re-aligned where it differs, which is what happens
after Asterisk restarted (its queue starts from queues.conf)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from agents.desk import Live, PresenceDesk
from agents.presence import AVAILABLE, SIGNED_OUT, Stamped, State, newer, paused
from agents.queue import QueuePresence, encode
from domain.status import Presence, PresenceVia
from ivr.ami_actions import AmiError
from ivr.ami_events import EventDispatcher

log = logging.getLogger(__name__)

Event = Mapping[str, Any]

# Device statuses the agent events imply (QueueMember Status codes, agents.presence).
_RINGING, _ON_CALL, _FREE = "6", "2", "1"


class PresencePlugin:
    MEMBER_EVENTS = ("QueueMemberStatus", "QueueMemberPause", "AgentCalled", "AgentConnect",
                     "AgentComplete", "AgentRingNoAnswer", "AgentDump")

    def __init__(self, desk: PresenceDesk, queue: QueuePresence,
                 retry_seconds: float = 1.0, retry_for: float = 60.0) -> None:
        self.desk, self.queue = desk, queue
        self.synced = False  # the last reconcile completed
        self.retry_seconds, self.retry_for = retry_seconds, retry_for
        self._login = 0  # logins seen: a pass still retrying gives way to a newer login's
        self._tasks: set[asyncio.Task[Any]] = set()

    def attach(self, events: EventDispatcher) -> None:
        events.subscribe("UserEvent", self.on_user_event)
        events.subscribe_many(self.MEMBER_EVENTS, self.on_member_event)
        events.on_login(self.reconcile)

    async def stop(self, timeout: float = 10.0) -> None:
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)

    def health(self) -> dict[str, Any]:
        # Informational, not up/down: calls are still routed while it is pending.
        return {"presence": "synced" if self.synced else "pending"}

    async def on_user_event(self, event: Event) -> None:
        if event.get("UserEvent") != "HotlinePresence" or event.get("Result") != "ok":
            return
        agent = str(event.get("Agent", ""))
        if agent not in self.desk.names:
            log.warning("presence change of unknown agent %r ignored", agent)
            return
        try:
            before = _state(str(event.get("From", "")), "")
            reason = str(event.get("Reason", ""))
            after = _state(str(event.get("To", "")), reason)
            at = float(event.get("At", ""))
        except ValueError:
            log.warning("unreadable HotlinePresence event %s ignored", dict(event))
            return
        async with self.desk.lock:
            known = self.desk.chosen().get(agent)
            if known is not None and known.at >= at:
                return  # already recorded (a reconcile read it from AstDB first)
            if before.presence != self.desk.state_of(agent).presence:
                log.warning("agent %s changed from %s by phone, the bridge had %s", agent,
                            before.presence, self.desk.state_of(agent).presence)
            await self.desk.record(agent, before, Stamped(after, at, PresenceVia.PHONE), agent)

    def on_member_event(self, event: Event) -> None:
        name = str(event.get("Event", ""))
        agent = str(event.get("MemberName", ""))
        if agent not in self.desk.names:
            return
        live = self.desk.live.setdefault(agent, Live())
        if name in ("QueueMemberStatus", "QueueMemberPause"):
            live.status = str(event.get("Status", live.status))
        elif name == "AgentCalled":
            live.status, live.call = _RINGING, str(event.get("Linkedid", "")) or None
        elif name == "AgentConnect":
            live.status, live.call = _ON_CALL, str(event.get("Linkedid", "")) or live.call
        else:  # AgentComplete, AgentRingNoAnswer, AgentDump: the phone is free again
            live.status, live.call = _FREE, None

    async def reconcile(self) -> None:
        """After every (re)login. Asterisk takes AMI logins before it has loaded its queue (an
        Asterisk restart): a pass that finds configured agents missing from the queue, or that
        Asterisk refuses, is tried again every `retry_seconds` for up to `retry_for`; `synced`
        stays False until a pass is complete. Seen once in CI: the first pass after a restart
        found no queue, and agent 1002 stayed paused without its reason."""
        self._login += 1
        login = self._login
        self.synced = False
        deadline = asyncio.get_running_loop().time() + self.retry_for
        while login == self._login:
            try:
                missing = await self._reconcile()
            except AmiError as e:
                missing = [f"({e})"]
            if not missing:
                self.synced = True
                return
            if asyncio.get_running_loop().time() >= deadline:
                log.error("presence not reconciled with Asterisk: agents %s are not members "
                          "of the queue: is Asterisk's configuration rendered from these "
                          "settings?", ", ".join(missing))
                return
            await asyncio.sleep(self.retry_seconds)

    async def _reconcile(self) -> list[str]:
        """One pass; the configured agents the queue does not have (none: complete)."""
        members = await self.queue.members()
        remembered = await self.queue.remembered()
        missing = []
        async with self.desk.lock:
            stored = await asyncio.to_thread(self.desk.reload)
            for agent in self.desk.names:
                member = members.get(agent)
                if member is None:
                    missing.append(agent)
                    continue
                self.desk.live[agent] = Live(member.status)
                in_asterisk = remembered.get(agent)
                chosen = await self._chosen(agent, stored.get(agent), in_asterisk)
                if chosen is None:  # never chose anything, and `required`: signed out
                    chosen_state = self.desk.start_state()
                    if member.state != chosen_state:
                        await self.queue.apply_queue(agent, chosen_state)
                    continue
                if member.state != chosen.state:
                    log.warning("agent %s: the queue says %s, the agent chose %s; re-applied",
                                agent, member.state.presence, chosen.state.presence)
                    await self.queue.apply_queue(agent, chosen.state)
                if in_asterisk is None or encode(in_asterisk) != encode(chosen):
                    await self._remember(agent, chosen)
        return missing

    async def _remember(self, agent: str, chosen: Stamped) -> None:
        """AstDB goes through the originate login, which may still be logging in again after
        an Asterisk restart: the queue (what decides the ringing) is re-applied for every
        agent all the same, and AstDB (kept on disk across restarts) is written at the next
        login or change."""
        try:
            await self.queue.remember(agent, chosen)
        except AmiError as e:
            log.warning("agent %s: AstDB not written (%s); the queue is applied", agent, e)

    async def _chosen(self, agent: str, stored: Stamped | None,
                      in_asterisk: Stamped | None) -> Stamped | None:
        """The agent's state; a change only Asterisk knew of goes on the trail now. None: the
        agent never chose anything and starts signed out (`required`)."""
        latest = newer(stored, in_asterisk)
        if latest is None:
            if self.desk.start_state() != AVAILABLE:
                return None
            # sign_in = "auto": the setting signed the agent in; R24 wants that on the trail.
            latest = Stamped(AVAILABLE, self.desk.now(), PresenceVia.AUTO)
            await self.desk.record(agent, SIGNED_OUT, latest, "sign_in=auto")
            return latest
        if latest is not stored:
            # With nothing in the database an agent comes, for the trail, from signed out.
            before = stored.state if stored is not None else SIGNED_OUT
            if before == latest.state:
                self.desk.chosen()[agent] = latest
                return latest
            log.warning("agent %s changed to %s while the bridge was not listening; recorded",
                        agent, latest.state.presence)
            by = agent if latest.via is PresenceVia.PHONE else ""
            await self.desk.record(agent, before, latest, by)
        return latest


def _state(word: str, reason: str) -> State:
    presence = Presence(word)
    return paused(reason) if presence is Presence.PAUSED else State(presence)
