"""Callbacks (issue 6, R15): the product calls the customer back for a ticket. Originated over
AMI on the agent's phone, which rings first; when the agent answers, the dialplan
([hotline-callback]) dials the customer through the trunk and records the customer's channel
(customer left, agent right). The call gets its record like any call (direction outbound,
route callback, by calls.tracker); this links it to the ticket when it ends: a
`callback_call` event when the customer answered, else `callback_failed` (the agent did not
answer: OriginateResponse Failure; the customer did not: the dial status).

The callback id is "<ticket id>-<random>": it travels in the originate's caller name and the
dialplan's variables, so a restarted bridge still knows which ticket an event belongs to."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Coroutine, Mapping
from typing import Any

from ivr.ami_actions import ActionSender, endpoint_state, originate
from ivr.ami_events import EventDispatcher
from tickets.desk import TicketDesk

log = logging.getLogger(__name__)

CONTEXT = "hotline-callback"
CALLER_NAME = "Callback "  # + the callback id: what the agent's phone shows
NOT_REGISTERED = frozenset({"Unavailable", "Invalid", "Unknown", ""})


class AgentNotRegistered(Exception):
    def __init__(self, agent: str, state: str) -> None:
        self.agent, self.state = agent, state
        super().__init__(f"agent {agent}'s phone is {state or 'unknown'}")


def ticket_of(callback_id: str) -> int | None:
    head, _, _ = callback_id.partition("-")
    return int(head) if head.isdigit() else None


class Callbacks:
    def __init__(self, ami: ActionSender, desk: TicketDesk, ring_seconds: int,
                 record_wait: float = 15.0, poll: float = 0.5) -> None:
        self.ami, self.desk, self.ring_seconds = ami, desk, ring_seconds
        self.record_wait, self.poll = record_wait, poll
        self._tasks: set[asyncio.Task[Any]] = set()

    def attach(self, events: EventDispatcher) -> None:
        events.subscribe("UserEvent", self.on_user_event)
        events.subscribe("OriginateResponse", self.on_originate_response)

    async def stop(self, timeout: float = 10.0) -> None:
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)

    async def request(self, ticket_id: int, customer: str, agent: str) -> str:
        """Rings the agent's phone; AgentNotRegistered if it cannot ring, AmiError if Asterisk
        does not take the request. Returns the callback id."""
        state = await endpoint_state(self.ami, agent)
        if state in NOT_REGISTERED:
            raise AgentNotRegistered(agent, state)
        callback_id = f"{ticket_id}-{secrets.token_hex(4)}"
        await originate(self.ami, f"PJSIP/{agent}", context=CONTEXT, exten=customer,
                        caller_id=f'"{CALLER_NAME}{callback_id}" <{customer}>',
                        timeout_ms=self.ring_seconds * 1000,
                        variables={"HOTLINE_TICKET": str(ticket_id),
                                   "HOTLINE_CALLBACK": callback_id, "HOTLINE_AGENT": agent})
        log.info("callback %s: ringing agent %s for ticket %s", callback_id, agent, ticket_id)
        return callback_id

    def on_originate_response(self, event: Mapping[str, Any]) -> None:
        """The agent did not answer (or the phone refused): the dialplan never ran."""
        name = str(event.get("CallerIDName", ""))
        if event.get("Response") != "Failure" or not name.startswith(CALLER_NAME):
            return
        callback_id = name.removeprefix(CALLER_NAME)
        ticket_id = ticket_of(callback_id)
        if ticket_id is not None:
            self._spawn(asyncio.to_thread(self.desk.record, ticket_id, {
                "type": "callback_failed", "callback_id": callback_id,
                "reason": "the agent did not answer", "status": "agent_no_answer"}))

    def on_user_event(self, event: Mapping[str, Any]) -> None:
        if event.get("UserEvent") != "HotlineCallbackEnd":
            return
        callback_id = str(event.get("Callback", ""))
        ticket_id = ticket_of(callback_id)
        if ticket_id is None:
            log.error("callback end without a callback id: %s", dict(event))
            return
        self._spawn(self._finish(ticket_id, callback_id, str(event.get("Status", "")),
                                 str(event.get("Call", ""))))

    async def _finish(self, ticket_id: int, callback_id: str, status: str,
                      linkedid: str) -> None:
        call_id = await self._wait_call(linkedid)
        answered = status == "ANSWER"
        event: dict[str, Any] = {"type": "callback_call" if answered else "callback_failed",
                                 "callback_id": callback_id, "status": status.lower()}
        if call_id is not None:
            event["call_id"] = call_id
        if not answered:
            event["reason"] = "the customer did not answer"
        await asyncio.to_thread(self.desk.record, ticket_id, event, call_id)
        log.info("callback %s of ticket %s: %s, call %s", callback_id, ticket_id, status,
                 call_id)

    async def _wait_call(self, linkedid: str) -> int | None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.record_wait
        while linkedid:
            call = await asyncio.to_thread(self.desk.store.calls.get_by_linkedid, linkedid)
            if call is not None:
                return call.id
            if loop.time() >= deadline:
                log.warning("callback call %s has no record yet: not linked", linkedid)
                return None
            await asyncio.sleep(self.poll)
        return None

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
