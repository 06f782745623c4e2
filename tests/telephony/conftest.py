"""Fixtures for the suite that goes through the real Asterisk: one hotline service (as users
run it) for the session; SIPp agent phones and callers per test."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from callsim import AgentPhone, CallResult, place_call, tone
from domain.policy import CLOCK_HEADER
from ivr.ami_actions import queue_status
from pbx.layout import Instance
from pbx.provision import provision
from settings import Settings, load_settings
from tests.telephony.harness import AmiObserver, Api, Service
from tests.telephony.ports import free_port, service_env

PROJECT = Path(__file__).resolve().parents[2]
CONFIG = Path(__file__).with_name("hotline-test.toml")
PHONE_IPS = {"1001": "127.0.0.21", "1002": "127.0.0.22"}
CALLER_TONE, AGENT_TONE = 600.0, 1400.0  # what each side "says", told apart in the recording
WORKING_HOURS = "2026-11-23T10:00:00+08:00"  # a Monday morning


@dataclass
class Hotline:
    settings: Settings
    service: Service
    ami: AmiObserver
    api: Api
    base: Path
    instance: Instance

    @property
    def sip(self) -> str:
        return self.settings.sip.bind

    def call(self, caller: str, talk_seconds: float, at: str = WORKING_HOURS,
             ) -> tuple[CallResult, float]:
        """Places one call from the trunk, routed as if it were `at` (that call only: its
        X-Hotline-Clock header; "" routes by the real clock); returns SIPp's result and the
        wall-clock start (to find the record)."""
        since = time.time()
        result = place_call(self.sip, self.settings.hotline.number, caller,
                            tone(CALLER_TONE, self.base), talk_seconds,
                            local_ip=self.settings.sip.trunk_hosts[0], caller_name="测试客户",
                            headers={CLOCK_HEADER: at} if at else None)
        return result, since

    def ensure_running(self) -> None:
        if self.service.proc is None or self.service.proc.poll() is not None:
            self.service.start()


@pytest.fixture(scope="session")
def hotline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hotline]:
    yield from running_hotline(tmp_path_factory)


def running_hotline(tmp_path_factory: pytest.TempPathFactory, instance_name: str | None = None
                    ) -> Iterator[Hotline]:
    """`hotline up` with the suite's configuration, on free ports. Another folder's fixture
    must pass an `instance_name` of its own: two services adopting one Asterisk instance fight over
    it (the second one's `core reload` cannot move the SIP port, so phones register nowhere)."""
    base = tmp_path_factory.mktemp("hotline")
    env = {
        **service_env(base, instance_name),  # the suite's own free ports, beside any Hotline
        "HOTLINE_PROMPTS__CUSTOM_DIR": str(base / "prompts"),
    }
    settings = load_settings(CONFIG, environ=env)
    instance = Instance.of(settings)
    provision(instance)
    service = Service(CONFIG, env, settings, base / "service.log")
    service.start()
    ami = AmiObserver(settings)
    try:
        yield Hotline(settings, service, ami, Api(settings), base, instance)
    finally:
        ami.close()
        service.stop()


def wait_member_reachable(hotline: Hotline, number: str, timeout: float = 10) -> None:
    """The registration's device state must reach the queue before a call is placed; on a busy
    machine that takes longer than any fixed pause (a call placed earlier finds the queue empty
    and goes to voicemail)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        members = hotline.ami.act(queue_status(hotline.ami.ami, "hotline"))
        # QueueMember Status: 4 invalid, 5 unavailable; anything else can be rung.
        if any(m.get("Name") == number and m.get("Status") not in ("4", "5") for m in members):
            return
        time.sleep(0.1)
    raise AssertionError(f"agent {number}'s phone did not become reachable in {timeout} s")


@pytest.fixture
def phones(hotline: Hotline) -> Iterator[Callable[..., AgentPhone]]:
    """phones("1001") registers agent 1001's phone, answering; mode="noanswer" lets it ring."""
    started: list[AgentPhone] = []

    def start(number: str, mode: str = "answer") -> AgentPhone:
        agent = hotline.settings.agent(number)
        assert agent is not None
        ip = PHONE_IPS[number]
        phone = AgentPhone(hotline.sip, number, agent.password, ip,
                           tone(AGENT_TONE, hotline.base), mode=mode,
                           port=free_port(socket.SOCK_DGRAM, ip))
        started.append(phone.start())
        wait_member_reachable(hotline, number)
        return phone

    yield start
    for phone in started:
        phone.stop()
