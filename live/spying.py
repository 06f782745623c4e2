"""Pure rules of live listening: who may listen in which mode, and which of Asterisk's live
channels is the agent's current call."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from domain.status import LiveMode

# R18: QA staff inspect calls by listening; only supervisors (and admins) talk into a call.
MODES_BY_ROLE: dict[str, frozenset[LiveMode]] = {
    "qa": frozenset({LiveMode.LISTEN}),
    "supervisor": frozenset(LiveMode),
    "admin": frozenset(LiveMode),
}
ROLES = frozenset(MODES_BY_ROLE)


def mode_allowed(role: str, mode: LiveMode) -> bool:
    return mode in MODES_BY_ROLE.get(role, frozenset())


@dataclass(frozen=True)
class AgentCall:
    channel: str  # the agent phone's channel, e.g. PJSIP/1001-0000000a: what ChanSpy spies on
    linkedid: str  # the call's linkedid: its call record's key


def agent_call(channels: Iterable[Mapping[str, str]], agent: str) -> AgentCall | None:
    """The agent's call in progress, from CoreShowChannel events: a channel of the agent's
    phone that is up and in a bridge (ringing or dialling is not a call to listen to). The
    trailing "-" keeps agent 100 from matching agent 1001's channels."""
    prefix = f"PJSIP/{agent}-"
    for channel in channels:
        name = str(channel.get("Channel", ""))
        if (name.startswith(prefix) and channel.get("BridgeId")
                and str(channel.get("ChannelStateDesc", "")) == "Up"):
            return AgentCall(name, str(channel.get("Linkedid", "")))
    return None
