"""The one AMI surface: features subscribe to events by name through the dispatcher, and act
through typed actions that raise only AmiError. (Through the real Asterisk:
tests/telephony/test_ami_actions.py.)"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

import pytest

from ivr.ami_actions import (
    AmiError,
    chanspy,
    core_show_channels,
    originate,
    queue_pause,
    setvar,
)
from ivr.ami_events import EventDispatcher


class FakeClient:
    """Stands in for AmiClient: records registrations and sent actions, answers with `reply`."""

    def __init__(self, reply: Any = None) -> None:
        self.registered: list[tuple[str, Any]] = []
        self.login_callbacks: list[Any] = []
        self.sent: list[dict[str, str]] = []
        self.reply = reply if reply is not None else {"Response": "Success"}

    def register_event(self, name: str, handler: Any) -> None:
        self.registered.append((name, handler))

    def add_login_callback(self, handler: Any) -> None:
        self.login_callbacks.append(handler)

    def keep_only(self, names: Any) -> None:
        self.keep = names

    async def action(self, action: dict[str, str], as_list: bool | None = None) -> Any:
        self.sent.append(action)
        return self.reply


def _dispatcher() -> tuple[EventDispatcher, FakeClient]:
    client = FakeClient()
    return EventDispatcher(client), client  # type: ignore[arg-type]


async def test_a_feature_gets_only_the_events_it_subscribed_to() -> None:
    events, client = _dispatcher()
    assert [name for name, _ in client.registered] == ["*"]  # one registration, ours
    seen: list[str] = []
    events.subscribe("QueueMemberPause", lambda e: seen.append(f"pause {e['Interface']}"))
    events.subscribe("Hangup", lambda e: seen.append("hangup"))
    events.subscribe("*", lambda e: seen.append(f"all {e['Event']}"))
    for event in ({"Event": "QueueMemberPause", "Interface": "Local/1001"},
                  {"Event": "Newchannel"}, {"Event": "Hangup"}):
        client.registered[0][1](None, event)
    assert seen == ["pause Local/1001", "all QueueMemberPause", "all Newchannel", "hangup",
                    "all Hangup"]


async def test_a_failing_handler_is_logged_and_the_others_still_run(
        caplog: pytest.LogCaptureFixture) -> None:
    events, _ = _dispatcher()
    seen: list[Mapping[str, Any]] = []

    def broken(_e: Mapping[str, Any]) -> None:
        raise KeyError("Linkedid")

    async def slow(e: Mapping[str, Any]) -> None:
        await asyncio.sleep(0)
        seen.append(e)

    async def broken_later(_e: Mapping[str, Any]) -> None:
        raise ValueError("late")

    events.subscribe("Hangup", broken)
    events.subscribe("Hangup", slow)
    events.subscribe("Hangup", broken_later)
    with caplog.at_level(logging.ERROR):
        events.dispatch({"Event": "Hangup"})
        for _ in range(5):
            await asyncio.sleep(0)
    assert seen == [{"Event": "Hangup"}]
    assert caplog.text.count("failed on AMI event Hangup") == 2


async def test_actions_are_typed_and_refusals_raise_ami_error() -> None:
    client = FakeClient()
    await setvar(client, "HOTLINE_CLOCK", "")
    await queue_pause(client, "hotline", "Local/1001@hotline-agent-dial/n", True, "lunch")
    await chanspy(client, "PJSIP/9001", "PJSIP/1001", "qE")
    assert client.sent == [
        {"Action": "Setvar", "Variable": "HOTLINE_CLOCK", "Value": ""},
        {"Action": "QueuePause", "Queue": "hotline",
         "Interface": "Local/1001@hotline-agent-dial/n", "Paused": "true", "Reason": "lunch"},
        {"Action": "Originate", "Channel": "PJSIP/9001", "Async": "true", "Timeout": "30000",
         "Application": "ChanSpy", "Data": "PJSIP/1001,qE"}]

    refused = FakeClient({"Response": "Error", "Message": "Interface not found"})
    with pytest.raises(AmiError, match="QueuePause refused: Interface not found"):
        await queue_pause(refused, "hotline", "Local/9999", True)
    with pytest.raises(ValueError, match="either context and exten, or an application"):
        await originate(client, "PJSIP/9001")


async def test_core_show_channels_keeps_only_the_channels() -> None:
    client = FakeClient([{"Response": "Success"},
                         {"Event": "CoreShowChannel", "Channel": "PJSIP/trunk-1"},
                         {"Event": "CoreShowChannelsComplete"}])
    assert await core_show_channels(client) == [
        {"Event": "CoreShowChannel", "Channel": "PJSIP/trunk-1"}]


def _wire(*messages: str) -> bytes:
    return "".join(m.replace("\n", "\r\n") + "\r\n\r\n" for m in messages).encode()


async def test_events_nobody_subscribed_to_are_dropped_before_parsing() -> None:
    """Issue 9: the bridge's login gets every event of its classes; the ones no feature
    subscribed to are dropped unparsed. What is dropped is derived from the subscriptions, so
    a subscription is never filtered out; replies to actions (and their lists' events, which
    carry the ActionID) and panoramisk's own FullyBooted and Shutdown always pass."""
    from ivr.ami import AmiClient, _FilteringProtocol
    from settings.schema import Ami

    client = AmiClient(Ami(secret="unit-secret"), reconnect=False)
    events = EventDispatcher(client)
    seen: list[str] = []
    events.subscribe("Hangup", lambda e: seen.append(f"hangup {e['Linkedid']}"))
    events.subscribe("UserEvent", lambda e: seen.append(f"user {e['UserEvent']}"))
    client.register_event("FullyBooted", lambda _m, _e: seen.append("booted"))
    parsed: list[str] = []  # what reached panoramisk's dispatch, i.e. was parsed
    dispatch = client.dispatch

    def counting(message: Any) -> Any:
        parsed.append(message["Event"])
        return dispatch(message)

    client.dispatch = counting
    protocol = _FilteringProtocol()
    protocol.connection_made(None)
    protocol.factory = client
    status = protocol.send({"Action": "Status", "ActionID": "status-1"}, as_list=True)
    wire = _wire("Asterisk Call Manager/9.0.0",
                 "Event: DeviceStateChange\nDevice: PJSIP/1001\nState: INUSE",
                 "Event: Hangup\nPrivilege: call,all\nLinkedid: 17.1",
                 "Event: FullyBooted\nPrivilege: system,all\nStatus: Fully Booted",
                 "Response: Success\nActionID: status-1\nEventList: start",
                 "Event: Status\nActionID: status-1\nChannel: PJSIP/trunk-1",
                 "Event: StatusComplete\nActionID: status-1\nEventList: Complete",
                 "Event: BridgeEnter\nBridgeUniqueid: b1",
                 "Event: UserEvent\nUserEvent: HotlineRoute\nRoute: agent")
    # One event cut across two reads still arrives whole.
    protocol.data_received(wire[:100])
    protocol.data_received(wire[100:])
    assert seen == ["hangup 17.1", "booted", "user HotlineRoute"]
    assert parsed == ["Hangup", "FullyBooted", "UserEvent"]  # not DeviceStateChange, BridgeEnter
    reply = await asyncio.wait_for(status, 1)
    assert [m.get("Event") for m in reply] == [None, "Status", "StatusComplete"]

    # A subscription made later is seen at once; "*" turns the filter off.
    events.subscribe("BridgeEnter", lambda e: seen.append(f"bridge {e['BridgeUniqueid']}"))
    events.subscribe("*", lambda e: seen.append(f"all {e['Event']}"))
    protocol.data_received(_wire("Event: BridgeEnter\nBridgeUniqueid: b2",
                                 "Event: DeviceStateChange\nDevice: PJSIP/1002"))
    assert seen[3:] == ["bridge b2", "all BridgeEnter", "all DeviceStateChange"]
