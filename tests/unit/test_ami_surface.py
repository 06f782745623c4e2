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
