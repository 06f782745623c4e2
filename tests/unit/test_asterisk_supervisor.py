"""The supervisor's decisions (issue 13): a dead Asterisk is restarted after restart_delay,
a failing restart is retried with the delay doubled up to restart_delay_max, a success resets
the delay and is counted. The real kill and restart are tests/telephony/test_nothing_lost.py;
here a stand-in process says alive or not."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from pbx.layout import Instance
from pbx.process import AsteriskError
from pbx.supervisor import AsteriskSupervisor


class FakeAsterisk:
    def __init__(self, boots: list[bool]) -> None:
        self.instance = Instance(Path("/nonexistent"), "unit")
        self.running = True
        self.boots = boots  # outcome of each restart in turn
        self.restarted = 0

    def alive(self) -> bool:
        return self.running

    def restart_dead(self) -> None:
        self.restarted += 1

    async def wait_booted(self, timeout: float = 15.0) -> float:
        if not self.boots.pop(0):
            raise AsteriskError("did not boot")
        self.running = True
        return 0.25


async def _supervise(fake: FakeAsterisk, until: Any, **kw: float) -> tuple[AsteriskSupervisor,
                                                                         list[float]]:
    sleeps: list[float] = []
    real_sleep = asyncio.sleep

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        await real_sleep(0)

    supervisor = AsteriskSupervisor(fake, check_seconds=0.5, restart_delay=1,  # type: ignore[arg-type]
                                    restart_delay_max=kw.get("max", 5))
    mp = pytest.MonkeyPatch()
    mp.setattr("pbx.supervisor.asyncio.sleep", sleep)
    task = asyncio.get_running_loop().create_task(supervisor.run())
    try:
        for _ in range(2000):
            if until(supervisor):
                break
            await real_sleep(0)
    finally:
        task.cancel()
        await asyncio.wait({task})
        mp.undo()
    return supervisor, sleeps


async def test_a_dead_asterisk_is_restarted_and_counted() -> None:
    fake = FakeAsterisk([True])
    fake.running = False
    supervisor, sleeps = await _supervise(fake, lambda s: s.restarts == 1)
    assert fake.restarted == 1 and supervisor.restarts == 1
    assert supervisor.failed_restarts == 0
    assert supervisor.health() == {"asterisk_running": True, "asterisk_restarts": 1,
                                   "asterisk_failed_restarts": 0}
    assert sleeps[:2] == [0.5, 1]  # one check, then restart_delay


async def test_failed_restarts_back_off_doubling_up_to_the_cap_then_reset() -> None:
    fake = FakeAsterisk([False, False, False, False, True])
    fake.running = False
    supervisor, sleeps = await _supervise(fake, lambda s: s.restarts == 1)
    assert supervisor.failed_restarts == 4 and supervisor.restarts == 1
    delays = [s for s in sleeps if s != 0.5]
    assert delays == [1, 2, 4, 5, 5]  # doubled, capped at restart_delay_max
    assert supervisor.health()["asterisk_running"] is True


async def test_a_live_asterisk_is_left_alone() -> None:
    fake = FakeAsterisk([])
    checks = 0

    def enough(_s: AsteriskSupervisor) -> bool:
        nonlocal checks
        checks += 1
        return checks > 50

    supervisor, sleeps = await _supervise(fake, enough)
    assert fake.restarted == 0 and supervisor.restarts == 0
    assert set(sleeps) == {0.5}


async def test_stopping_waits_for_a_restart_under_way() -> None:
    """`hotline up` stops the watchdog before it stops Asterisk: a restart already started
    (in a thread, which a cancel cannot stop) is waited for, so the Asterisk it starts is
    the one the service then stops, and no new restart begins after stop()."""
    import threading

    fake = FakeAsterisk([True, True])
    fake.running = False
    in_restart, release = threading.Event(), threading.Event()

    def slow_restart() -> None:
        in_restart.set()
        release.wait(5)
        fake.restarted += 1

    fake.restart_dead = slow_restart  # type: ignore[method-assign]
    supervisor = AsteriskSupervisor(fake, check_seconds=0.01, restart_delay=0,  # type: ignore[arg-type]
                                    restart_delay_max=1)
    supervisor.start()
    assert await asyncio.to_thread(in_restart.wait, 5)
    stopping = asyncio.get_running_loop().create_task(supervisor.stop())
    await asyncio.sleep(0.05)
    assert not stopping.done()  # still waiting for the restart's thread
    release.set()
    await asyncio.wait_for(stopping, 5)
    assert fake.restarted == 1
    fake.running = False  # dies again after stop(): nobody restarts it now
    await asyncio.sleep(0.1)
    assert fake.restarted == 1
