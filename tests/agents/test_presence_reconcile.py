"""The reconcile pass after an AMI login (R24), against a stand-in for Asterisk's queue: after
an Asterisk restart the bridge may log in before Asterisk has loaded its queue; the pass is
then tried again until the queue is there, and the agent's recorded state is applied. The
real restart is tests/telephony/test_presence.py."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from agents.desk import PresenceDesk
from agents.plugin import PresencePlugin
from agents.presence import SIGNED_OUT, Stamped, State, from_queue, paused, to_queue
from agents.queue import Member
from agents.store import PresenceStore
from callrecords.store import CallStore
from domain.clock import ManualClock
from domain.status import PresenceVia
from ivr.ami_actions import AmiError
from settings import load_settings

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


class BootingQueue:
    """Asterisk's queue as a restarted Asterisk shows it: first no queue at all, then one
    AMI error, then every member paused without a reason (queues.conf with `required`)."""

    def __init__(self, agents: list[str]) -> None:
        self.passes = 0
        self.queue = {a: SIGNED_OUT for a in agents}
        self.applied: list[tuple[str, State]] = []

    async def members(self) -> dict[str, Member]:
        self.passes += 1
        if self.passes == 1:
            return {}
        if self.passes == 2:
            raise AmiError("QueueStatus: timed out")
        return {a: Member(a, from_queue(*to_queue(s)), "1") for a, s in self.queue.items()}

    async def remembered(self) -> dict[str, Stamped]:
        return {}

    async def apply_queue(self, agent: str, state: State) -> None:
        self.applied.append((agent, state))
        self.queue[agent] = state

    async def remember(self, agent: str, stamped: Stamped) -> None:
        pass


async def test_a_pass_before_the_queue_is_loaded_is_tried_again(tmp_path: Path) -> None:
    settings = load_settings(environ={
        "HOTLINE_STORAGE__DATABASE_URL": f"sqlite:///{tmp_path}/t.db",
        "HOTLINE_QUEUE__SIGN_IN": "required"})
    store = CallStore(settings.storage.database_url)
    store.migrate()
    desk = PresenceDesk(settings, PresenceStore(store.sessions), ManualClock(NOW))
    lunch = Stamped(paused("lunch"), NOW.timestamp(), PresenceVia.API)
    await desk.record("1002", SIGNED_OUT, lunch, "admin")
    queue = BootingQueue([a.number for a in settings.agents])
    plugin = PresencePlugin(desk, queue, retry_seconds=0.01, retry_for=5)  # type: ignore[arg-type]
    await plugin.reconcile()
    assert queue.passes == 3 and plugin.synced
    assert queue.queue["1002"] == paused("lunch")
    assert ("1002", paused("lunch")) in queue.applied


async def test_a_queue_that_never_comes_leaves_presence_pending(tmp_path: Path) -> None:
    settings = load_settings(environ={
        "HOTLINE_STORAGE__DATABASE_URL": f"sqlite:///{tmp_path}/t.db"})
    store = CallStore(settings.storage.database_url)
    store.migrate()
    desk = PresenceDesk(settings, PresenceStore(store.sessions), ManualClock(NOW))
    queue = BootingQueue([])  # members() after the first two passes: still none
    plugin = PresencePlugin(desk, queue, retry_seconds=0.01, retry_for=0.1)  # type: ignore[arg-type]
    await plugin.reconcile()
    assert not plugin.synced and queue.passes >= 3
