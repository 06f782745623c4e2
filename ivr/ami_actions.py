"""Typed AMI actions, one function each, as wazo-calld's plugin_helpers/ami does: every one is
bounded by the client's timeout and raises `AmiError` (and only that) when Asterisk is not
reachable, does not answer in time, or refuses. Features act on Asterisk only through these."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from ivr.ami import AmiError

__all__ = [
    "DEVICE_STATES", "AmiError", "chanspy", "core_show_channels", "db_put", "db_tree",
    "endpoint_state", "hangup", "originate",
    "queue_add", "queue_pause",
    "queue_remove", "queue_status", "setvar",
]


class ActionSender(Protocol):
    async def action(self, action: dict[str, str], as_list: bool | None = None) -> Any: ...


def _checked(name: str, reply: Any) -> Any:
    """Asterisk answers a refused action with Response: Error and a Message."""
    first = reply[0] if isinstance(reply, list) and reply else reply
    if isinstance(first, Mapping) and str(first.get("Response", "")).lower() == "error":
        raise AmiError(f"AMI {name} refused: {first.get('Message', 'no reason given')}")
    return reply


async def _send(ami: ActionSender, action: dict[str, str], as_list: bool = False) -> Any:
    # Always say whether a list follows: panoramisk guesses from the reply's text otherwise,
    # and takes QueueAdd's "Added interface to queue" for the start of a list that never ends
    # (the action then times out although Asterisk did it).
    return _checked(action["Action"], await ami.action(action, as_list=as_list))


async def setvar(ami: ActionSender, variable: str, value: str, channel: str | None = None
                 ) -> None:
    """Sets a channel variable, or a dialplan global when no channel is given."""
    action = {"Action": "Setvar", "Variable": variable, "Value": value}
    if channel:
        action["Channel"] = channel
    await _send(ami, action)


async def core_show_channels(ami: ActionSender) -> list[dict[str, str]]:
    """The live channels (CoreShowChannel events), each as a plain dict."""
    reply = await _send(ami, {"Action": "CoreShowChannels"}, as_list=True)
    return [dict(m) for m in reply if m.get("Event") == "CoreShowChannel"]


async def queue_add(ami: ActionSender, queue: str, interface: str, member_name: str = "",
                    state_interface: str = "", paused: bool = False, penalty: int = 0) -> None:
    action = {"Action": "QueueAdd", "Queue": queue, "Interface": interface,
              "Paused": "true" if paused else "false", "Penalty": str(penalty)}
    if member_name:
        action["MemberName"] = member_name
    if state_interface:
        action["StateInterface"] = state_interface
    await _send(ami, action)


async def queue_remove(ami: ActionSender, queue: str, interface: str) -> None:
    await _send(ami, {"Action": "QueueRemove", "Queue": queue, "Interface": interface})


async def queue_pause(ami: ActionSender, queue: str, interface: str, paused: bool,
                      reason: str = "") -> None:
    action = {"Action": "QueuePause", "Queue": queue, "Interface": interface,
              "Paused": "true" if paused else "false"}
    if reason:
        action["Reason"] = reason
    await _send(ami, action)


async def queue_status(ami: ActionSender, queue: str) -> list[dict[str, str]]:
    """The queue's members (QueueMember events), each as a plain dict."""
    reply = await _send(ami, {"Action": "QueueStatus", "Queue": queue}, as_list=True)
    return [dict(m) for m in reply if m.get("Event") == "QueueMember"]


async def originate(ami: ActionSender, channel: str, *, context: str = "", exten: str = "",
                    priority: int = 1, application: str = "", data: str = "",
                    caller_id: str = "", timeout_ms: int = 30000,
                    variables: Mapping[str, str] | None = None, channel_id: str = "") -> None:
    """Starts a call from `channel` to a dialplan extension or an application. Asynchronous
    on Asterisk's side (Async: true): this returns once Asterisk accepted the request.
    channel_id: the uniqueid the new channel gets, so its events (Hangup, OriginateResponse)
    and a later Hangup action can name it before anything else is known of it."""
    if bool(application) == bool(context and exten):
        raise ValueError("originate needs either context and exten, or an application")
    action = {"Action": "Originate", "Channel": channel, "Async": "true",
              "Timeout": str(timeout_ms)}
    if application:
        action.update({"Application": application, "Data": data})
    else:
        action.update({"Context": context, "Exten": exten, "Priority": str(priority)})
    if caller_id:
        action["CallerID"] = caller_id
    if channel_id:
        action["ChannelId"] = channel_id
    if variables:
        action["Variable"] = ",".join(f"{k}={v}" for k, v in variables.items())
    await _send(ami, action)


async def chanspy(ami: ActionSender, listener: str, target: str, options: str = "qE",
                  caller_id: str = "") -> None:
    """Rings `listener` (a supervisor's phone, e.g. PJSIP/9001) and, when it answers, lets it
    listen to the channel whose name starts with `target` (ChanSpy: q quiet, E exit when the
    spied call ends; w whisper, B barge)."""
    await originate(ami, listener, application="ChanSpy", data=f"{target},{options}",
                    caller_id=caller_id)


# DeviceStateList's words -> the text PJSIPShowEndpoint (and `pjsip show endpoints`) uses.
DEVICE_STATES = {"NOT_INUSE": "Not in use", "INUSE": "In use", "BUSY": "Busy",
                 "INVALID": "Invalid", "UNAVAILABLE": "Unavailable", "RINGING": "Ringing",
                 "RINGINUSE": "Ring+Inuse", "ONHOLD": "On Hold", "UNKNOWN": "Unknown"}


async def endpoint_state(ami: ActionSender, endpoint: str) -> str:
    """The device state of a PJSIP endpoint, e.g. "Not in use", "In use", "Ringing", or
    "Unavailable" for a phone that is not registered; "" for no such endpoint. Read from
    DeviceStateList (res_manager_devicestate; classes call/reporting), not PJSIPShowEndpoint,
    which needs the `system` class, and `system` also lets a login read every configuration
    file with GetConfig (issue 13: least privilege). (Getvar of DEVICE_STATE() without a
    channel answers nothing on Asterisk 22.)"""
    reply = await _send(ami, {"Action": "DeviceStateList"}, as_list=True)
    device = f"PJSIP/{endpoint}"
    state = next((m.get("State", "") for m in reply
                  if m.get("Event") == "DeviceStateChange" and m.get("Device") == device), "")
    return DEVICE_STATES.get(str(state), str(state))


async def hangup(ami: ActionSender, channel: str, cause: int = 16) -> None:
    """Hangs up a channel by name, or every channel matching `/regex/` (cause 16: normal)."""
    await _send(ami, {"Action": "Hangup", "Channel": channel, "Cause": str(cause)})


# The bridge's own channels, which are no call to or from anyone (the tracker ignores them):
ASTDB_PUT_CHANNEL = "Local/s@hotline-astdb-put"  # AstDB writes, below
LIVE_CHANNEL_PREFIX = "hotline-live-"  # a supervisor's phone, originated to listen in (R18)


async def db_put(ami: ActionSender, family: str, key: str, value: str) -> None:
    """Writes AstDB family/key through the dialplan: an Originate of
    Local/s@hotline-astdb-put, which sets DB(family/key) and hangs up. Neither DBPut (the
    `system` write class, which would also allow GetConfig of pjsip.conf) nor Setvar on DB()
    (DB() is one of the functions AMI may not write) is open to a least-privilege login
    (issue 13); Originate is, on the login made for it. Asynchronous: written within
    milliseconds, and the families it may touch are the dialplan context's to decide."""
    await originate(ami, ASTDB_PUT_CHANNEL, application="NoOp", timeout_ms=5000,
                    variables={"HOTLINE_DB_FAMILY": family, "HOTLINE_DB_KEY": key,
                               "HOTLINE_DB_VALUE": value})


async def db_tree(ami: ActionSender, family: str) -> dict[str, str]:
    """Every key of an AstDB family (DBGetTree), keys without the family prefix; {} when the
    family has none."""
    try:
        reply = await _send(ami, {"Action": "DBGetTree", "Family": family}, as_list=True)
    except AmiError as e:
        if "not found" in str(e).lower():
            return {}
        raise
    found: dict[str, str] = {}
    for message in reply:
        if message.get("Event") == "DBGetTreeResponse":
            key = str(message.get("Key", "")).removeprefix(f"/{family}/")
            found[key] = str(message.get("Val", ""))
    return found
