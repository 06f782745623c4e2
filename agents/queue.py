"""Presence in Asterisk, over AMI: a state is applied as the queue member's pause flag and
reason (what decides whether the phone rings) and remembered in AstDB `hotline_presence/<工号>`
(what the dialplan's feature codes read and write, kept across Asterisk restarts). Both are
read back after every AMI login: the bridge never guesses what Asterisk holds."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from agents.presence import Stamped, State, from_queue, to_queue
from domain.status import Presence, PresenceVia
from ivr.ami_actions import ActionSender, db_put, db_tree, queue_pause, queue_status

log = logging.getLogger(__name__)

QUEUE = "hotline"  # dialplan/queues.conf.j2
FAMILY = "hotline_presence"  # AstDB family the dialplan's [hotline-presence] uses


def interface(agent: str) -> str:
    """The agent's queue member (dialplan/queues.conf.j2: a Local channel per agent)."""
    return f"Local/{agent}@hotline-agent-dial/n"


def encode(stamped: Stamped) -> str:
    """AstDB value, as the dialplan writes it: state|reason|time|via."""
    s = stamped.state
    return f"{s.presence.value}|{s.reason}|{stamped.at:.3f}|{stamped.via.value}"


def decode(value: str) -> Stamped | None:
    """The AstDB value's state, or None for a value that cannot be read (logged)."""
    try:
        presence, reason, at, via = value.split("|")
        state = State(Presence(presence), reason if presence == Presence.PAUSED else "")
        return Stamped(state, float(at), PresenceVia(via))
    except ValueError:
        log.warning("AstDB %s holds %r, not state|reason|time|via; ignored", FAMILY, value)
        return None


@dataclass(frozen=True)
class Member:
    """One queue member as QueueStatus reports it."""

    agent: str
    state: State  # what its pause flag and reason say
    status: str  # device status (agents.presence.activity, registered)


class QueuePresence:
    def __init__(self, ami: ActionSender, astdb: ActionSender | None = None) -> None:
        # `astdb`: the login that may originate (AstDB is written through the dialplan, see
        # ivr.ami_actions.db_put); reads and queue pauses go on the bridge's own login.
        self.ami, self.astdb = ami, astdb or ami

    async def apply(self, agent: str, stamped: Stamped) -> None:
        """The queue first (it decides the ringing), then the memory the dialplan reads.
        AmiError if Asterisk refuses or cannot be reached."""
        await self.apply_queue(agent, stamped.state)
        await self.remember(agent, stamped)

    async def apply_queue(self, agent: str, state: State) -> None:
        is_paused, reason = to_queue(state)
        await queue_pause(self.ami, QUEUE, interface(agent), is_paused, reason)

    async def remember(self, agent: str, stamped: Stamped) -> None:
        await db_put(self.astdb, FAMILY, agent, encode(stamped))

    async def members(self) -> dict[str, Member]:
        found = {}
        for m in await queue_status(self.ami, QUEUE):
            agent = str(m.get("Name", ""))
            state = from_queue(str(m.get("Paused", "0")) == "1", str(m.get("PausedReason", "")))
            found[agent] = Member(agent, state, str(m.get("Status", "")))
        return found

    async def remembered(self) -> dict[str, Stamped]:
        tree = await db_tree(self.ami, FAMILY)
        return {agent: s for agent, value in tree.items() if (s := decode(value)) is not None}
