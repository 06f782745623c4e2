"""Live listening over AMI: starts sessions (the supervisor's phone is originated into the
[hotline-live] dialplan context, which runs ChanSpy on the agent's channel) and follows them
through the one event dispatcher: HotlineLiveStart (the supervisor answered, or dialled the
listen code from the phone), the spy channel's Hangup (the session is over), and
OriginateResponse failures (the phone never answered). After every AMI (re)login, sessions
whose spy channel is no longer live are closed: what Asterisk says, never a guess.

Events are handled one at a time, in the order they arrived (one lock, FIFO), so a session
dialled from a phone is stored before its Hangup is looked at."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from callrecords.live_sessions import LiveSession, LiveSessionStore
from domain.clock import Clock
from domain.status import LiveEnd, LiveMode, LiveVia
from ivr.ami_actions import (
    LIVE_CHANNEL_PREFIX,
    ActionSender,
    AmiError,
    core_show_channels,
    endpoint_state,
    hangup,
)
from ivr.ami_actions import originate as ami_originate
from ivr.ami_events import EventDispatcher
from live.spying import AgentCall, agent_call

log = logging.getLogger(__name__)

CONTEXT = "hotline-live"
NOT_REGISTERED = frozenset({"Unavailable", "Invalid", "Unknown", ""})
SPY_PREFIX = LIVE_CHANNEL_PREFIX  # the spy channel's uniqueid (Originate's ChannelId)


class AgentNotOnCall(Exception):
    pass


class ListenerNotRegistered(Exception):
    def __init__(self, listener: str, state: str) -> None:
        self.listener, self.state = listener, state
        super().__init__(f"supervisor phone {listener} is {state or 'unknown'}")


class LiveListening:
    def __init__(self, ami: ActionSender, store: LiveSessionStore, clock: Clock,
                 ring_seconds: int, originator: ActionSender | None = None) -> None:
        self.ami, self.store, self.clock, self.ring_seconds = ami, store, clock, ring_seconds
        # Issue 13: the bridge's login may not originate; the supervisor's phone is rung on the
        # originate login (its OriginateResponse still reaches the dispatcher).
        self.originator = originator or ami
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[Any]] = set()
        # Uniqueids of the supervisors' channels of open sessions: every Hangup of every call
        # comes by, and only these need the database.
        self._spies: set[str] = set()

    def attach(self, events: EventDispatcher) -> None:
        events.subscribe("UserEvent", self.on_user_event)
        events.subscribe("Hangup", self.on_hangup)
        events.subscribe("OriginateResponse", self.on_originate_response)
        events.on_login(self.resync)

    @property
    def listening(self) -> int:
        """Sessions whose supervisor channel is up (ringing or listening), for /health."""
        return len(self._spies)

    async def stop(self, timeout: float = 10.0) -> None:
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)

    # Acting on Asterisk (the API's routes call these).

    async def current_call(self, agent: str) -> AgentCall | None:
        return agent_call(await core_show_channels(self.ami), agent)

    async def start(self, agent: str, listener: str, mode: LiveMode, by: str) -> LiveSession:
        """Rings the supervisor's phone; when it answers it hears the agent's current call.
        ListenerNotRegistered, AgentNotOnCall, or AmiError when Asterisk does not take it."""
        state = await endpoint_state(self.ami, listener)
        if state in NOT_REGISTERED:
            raise ListenerNotRegistered(listener, state)
        call = await self.current_call(agent)
        if call is None:
            raise AgentNotOnCall(agent)
        spy = f"{SPY_PREFIX}{secrets.token_hex(8)}"
        self._spies.add(spy)
        session = await asyncio.to_thread(
            self.store.create, agent=agent, listener=listener, mode=mode.value,
            call_id=call.linkedid, via=LiveVia.API.value, by=by, started_at=self.clock(),
            spy_uniqueid=spy)
        try:
            await ami_originate(
                self.originator, f"PJSIP/{listener}", context=CONTEXT, exten="s",
                caller_id=f'"Live {agent}" <{agent}>', timeout_ms=self.ring_seconds * 1000,
                channel_id=spy, variables={
                    "HOTLINE_LIVE_SESSION": str(session.id), "HOTLINE_LIVE_AGENT": agent,
                    "HOTLINE_LIVE_MODE": mode.value, "HOTLINE_LIVE_VIA": LiveVia.API.value,
                    "HOTLINE_LIVE_TARGET": call.channel})
        except AmiError:
            await asyncio.to_thread(self.store.end, session.id, self.clock(),
                                    LiveEnd.NO_ANSWER.value)
            raise
        log.info("live session %s: %s listens to agent %s (%s, call %s) for %s", session.id,
                 listener, agent, mode, call.linkedid, by)
        return session

    async def end(self, session: LiveSession) -> LiveSession:
        """Hangs up the supervisor's channel (ringing or listening) and closes the session.
        A channel that is already gone is not an error: the session is over either way."""
        try:
            await hangup(self.ami, session.spy_channel or session.spy_uniqueid)
        except AmiError as e:
            log.info("live session %s: hangup: %s", session.id, e)
        self._spies.discard(session.spy_uniqueid)
        ended = await asyncio.to_thread(self.store.end, session.id, self.clock(),
                                        LiveEnd.STOPPED.value)
        return ended if ended is not None else session

    # Following Asterisk.

    def on_user_event(self, event: Mapping[str, Any]) -> None:
        if event.get("UserEvent") == "HotlineLiveStart":
            self._spies.add(str(event.get("Uniqueid", "")))
            self._in_order(self._started, dict(event))

    def on_hangup(self, event: Mapping[str, Any]) -> None:
        if str(event.get("Uniqueid", "")) in self._spies:
            self._in_order(self._hung_up, dict(event))

    def on_originate_response(self, event: Mapping[str, Any]) -> None:
        if event.get("Response") == "Failure" and str(event.get("Uniqueid", "")).startswith(
                SPY_PREFIX):
            self._in_order(self._not_answered, dict(event))

    async def resync(self) -> None:
        """After every (re)login: a session whose spy channel is gone ended while the bridge
        was not listening."""
        try:
            live = {str(c.get("Uniqueid", "")) for c in await core_show_channels(self.ami)}
        except AmiError as e:
            log.warning("live sessions: resync failed: %s", e)
            return
        async with self._lock:
            for session in await asyncio.to_thread(self.store.open_sessions):
                self._spies.add(session.spy_uniqueid)
                if session.spy_uniqueid not in live:
                    log.warning("live session %s ended while the bridge was not listening",
                                session.id)
                    await asyncio.to_thread(self.store.end, session.id, self.clock(),
                                            LiveEnd.LOST.value)

    async def _started(self, event: dict[str, Any]) -> None:
        channel, uniqueid = str(event.get("Channel", "")), str(event.get("Uniqueid", ""))
        session_id = str(event.get("Session", ""))
        if session_id.isdigit():  # started over the API: the supervisor answered
            await asyncio.to_thread(self.store.answered, int(session_id), self.clock(),
                                    channel)
            return
        # Dialled from the supervisor's phone: logged like an API session, via phone.
        agent, listener = str(event.get("Agent", "")), str(event.get("Listener", ""))
        call = await self._call_or_none(agent)
        if call is None:
            log.warning("supervisor %s dialled to listen to agent %s, who is not on a call",
                        listener, agent)
            await self._hang_up(channel)
            return
        now = self.clock()
        session = await asyncio.to_thread(
            self.store.create, agent=agent, listener=listener, mode=LiveMode.LISTEN.value,
            call_id=call.linkedid, via=LiveVia.PHONE.value, by=f"phone:{listener}",
            started_at=now, answered_at=now, spy_uniqueid=uniqueid, spy_channel=channel)
        log.info("live session %s: %s listens to agent %s (call %s) from the phone",
                 session.id, listener, agent, call.linkedid)

    async def _hung_up(self, event: dict[str, Any]) -> None:
        uniqueid = str(event.get("Uniqueid", ""))
        self._spies.discard(uniqueid)
        session = await asyncio.to_thread(self.store.open_by_spy, uniqueid)
        if session is not None:
            # A phone that hangs up before it was ever answered did not answer.
            reason = LiveEnd.HANGUP if session.answered_at is not None else LiveEnd.NO_ANSWER
            await asyncio.to_thread(self.store.end, session.id, self.clock(), reason.value)

    async def _not_answered(self, event: dict[str, Any]) -> None:
        session = await asyncio.to_thread(self.store.open_by_spy, str(event["Uniqueid"]))
        if session is not None and session.answered_at is None:
            await asyncio.to_thread(self.store.end, session.id, self.clock(),
                                    LiveEnd.NO_ANSWER.value)

    async def _call_or_none(self, agent: str) -> AgentCall | None:
        try:
            return await self.current_call(agent)
        except AmiError as e:
            log.warning("live listening: cannot read the channels: %s", e)
            return None

    async def _hang_up(self, channel: str) -> None:
        try:
            await hangup(self.ami, channel)
        except AmiError as e:
            log.info("live listening: hangup of %s: %s", channel, e)

    def _in_order(self, handler: Callable[[dict[str, Any]], Awaitable[None]],
                  event: dict[str, Any]) -> None:
        async def run() -> None:
            async with self._lock:
                try:
                    await handler(event)
                except Exception:
                    log.exception("live listening: %s failed on %s", handler.__name__,
                                  event.get("Event"))

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
