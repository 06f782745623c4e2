"""Test harness for the real-Asterisk suite: the service as a subprocess (as users run it), an
AMI observer that records the dialplan's UserEvents (asterisk/testsuite style), SIP peers from
callsim, and the API client."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from hotline.demo import wait_record
from ivr.ami import AmiClient
from pbx.layout import Instance
from settings import Settings


class Service:
    """`python -m hotline up` with the test configuration."""

    def __init__(self, config: Path, env: dict[str, str], settings: Settings, log: Path):
        self.config, self.env, self.settings, self.log = config, env, settings, log
        self.proc: subprocess.Popen[bytes] | None = None
        # Each run has a fresh database but the instance (and its CEL) outlives runs: calls of
        # an earlier run would be reconciled into this one's database (issue 13).
        Instance.of(settings).cel.unlink(missing_ok=True)

    def start(self, timeout: float = 120) -> None:
        out = self.log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "hotline", "up", "-c", str(self.config)],
            env={**os.environ, **self.env}, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"hotline up exited {self.proc.returncode}: "
                                   f"{self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"http://{self.settings.api.bind}/health", timeout=1
                             ).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"hotline up not healthy in {timeout} s: {self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL the bridge process: Asterisk (its own session) keeps running."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


class AmiObserver:
    """Collects AMI events in a background loop; tests wait on them with a bounded timeout."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.events: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.ami: AmiClient = self._run(self._make())
        self._run(self._connect())

    async def _make(self) -> AmiClient:
        ami = AmiClient(self.settings.ami, events="call,agent,user")
        ami.register_event("*", self._on_event)
        return ami

    async def _connect(self) -> None:
        self.ami.connect()
        await self.ami.wait_login(timeout=10)

    def _on_event(self, _m: Any, event: Any) -> None:
        with self.lock:
            self.events.append(dict(event))

    def _run(self, coro: Any, timeout: float = 15) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def act(self, coro: Any, timeout: float = 15) -> Any:
        """Runs a typed AMI action (ivr.ami_actions) on this observer's own login."""
        self._run(self.ami.wait_login(timeout=10))
        return self._run(coro, timeout)

    def mark(self) -> int:
        with self.lock:
            return len(self.events)

    def since(self, mark: int) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.events[mark:])

    def wait_for(self, mark: int, match: Callable[[dict[str, Any]], bool],
                 timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.since(mark):
                if match(event):
                    return event
            time.sleep(0.05)
        raise AssertionError(f"no matching AMI event within {timeout} s")

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.ami.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)


def user_event(kind: str, **fields: str) -> Callable[[dict[str, Any]], bool]:
    def match(e: dict[str, Any]) -> bool:
        return e.get("Event") == "UserEvent" and e.get("UserEvent") == kind and all(
            e.get(k) == v for k, v in fields.items())
    return match


class Api:
    def __init__(self, settings: Settings, token: str = "test-qa") -> None:
        self.client = httpx.Client(base_url=f"http://{settings.api.bind}", timeout=10,
                                   headers={"Authorization": f"Bearer {token}"})

    def wait_record(self, caller: str, since: float, timeout: float = 40) -> dict[str, Any]:
        """The call's record once it is complete (its recording attached or failed)."""
        record = wait_record(self.client, caller, since, timeout)
        if record is None:
            raise AssertionError(f"no complete call record for {caller} within {timeout} s")
        return record
