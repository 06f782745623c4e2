"""Agents dialling out from their phones (issue 13, "Doors"), through the real Asterisk: a hotline
instance of its own where agent 1001 has `outbound = true` and 1002 has not, a SIPp peer at the
trunk's address (<trunk host>:5060) answering as the carrier, and agents' phones that register
and place digest-authenticated INVITEs.

(a) a domestic mobile goes out and is recorded as outbound, answered, with talk time and agent;
(b) an international number (00 44 ...) never reaches the carrier: refused, announced, counted;
(c) an agent without opt-in is refused even for an allowed number."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import soundfile as sf

from callsim import AgentPhone, tone
from pbx.layout import Instance
from pbx.provision import provision
from settings import Settings, load_settings
from tests.telephony import audio
from tests.telephony.conftest import AGENT_TONE, CALLER_TONE, CONFIG, PHONE_IPS
from tests.telephony.harness import AmiObserver, Api, Service, user_event
from tests.telephony.ports import free_port, service_env

pytestmark = pytest.mark.asterisk
MOBILE = "13812345678"
INTERNATIONAL = "00442079460000"


@dataclass
class Outbound:
    settings: Settings
    ami: AmiObserver
    api: Api
    carrier: AgentPhone
    base: Path

    def phone(self, number: str) -> AgentPhone:
        agent = self.settings.agent(number)
        assert agent is not None
        ip = PHONE_IPS[number]
        phone = AgentPhone(self.settings.sip.bind, number, agent.password, ip,
                           tone(AGENT_TONE, self.base), port=free_port(socket.SOCK_DGRAM, ip),
                           workdir=self.base / f"phone-{number}-{time.monotonic_ns()}")
        phone.register()
        return phone

    def metric(self, reason: str) -> float:
        text = httpx.get(f"http://{self.settings.api.bind}/metrics", timeout=10).text
        found = re.search(rf'^hotline_outbound_refused_total{{reason="{reason}"}} (\S+)$', text,
                          re.MULTILINE)
        return float(found.group(1)) if found else 0.0

    def record(self, agent: str, number: str, since: float, timeout: float = 30,
               ) -> dict[str, Any]:
        """The agent's call to `number` once its record is written (refused calls have no
        recording, so the harness's wait for a recording does not apply)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            answer = self.api.client.get("/calls", params={"caller": agent})
            for item in answer.json()["items"] if answer.status_code == 200 else []:
                if item["called"] == number and _started(item) >= since - 1 and (
                        item["disposition"] == "refused" or item["recording"] is not None
                        or item["recording_error"] is not None):
                    return dict(item)
            time.sleep(0.3)
        raise AssertionError(f"no record of {agent} calling {number} within {timeout} s")


def _started(item: dict[str, Any]) -> float:
    return datetime.fromisoformat(item["started_at"]).timestamp()


def assert_heard_the_refusal(outbound: Outbound, workdir: Path) -> None:
    """The phone got the refusal as early media (183 with SDP) and the 403 only after the
    outbound_refused prompt had time to play (Playback runs to its end before Hangup)."""
    traced = "".join(p.read_text(encoding="utf-8", errors="replace")
                     for p in workdir.glob("*_messages.log"))
    stamps = {code: _stamp(traced, code) for code in ("183", "403")}
    early = traced.find("SIP/2.0 183")
    assert "m=audio" in traced[early:traced.find("SIP/2.0 403")], traced[-3000:]
    prompt = sf.info(str(Instance.of(outbound.settings).prompts / "outbound_refused.wav"))
    assert prompt.duration > 1.0  # spoken text, not an empty file
    assert stamps["403"] - stamps["183"] > prompt.duration * 0.9


def _stamp(traced: str, code: str) -> float:
    """When SIPp received the response `code` (its trace heads each message with the time)."""
    found = re.search(r"^-+ (\S+ \S+)\n[^\n]*received[^\n]*\n\s*SIP/2\.0 " + code, traced,
                      re.MULTILINE)
    assert found is not None, f"no {code} in the trace"
    return datetime.fromisoformat(found.group(1)).timestamp()


@pytest.fixture(scope="module")
def outbound(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outbound]:
    base = tmp_path_factory.mktemp("outbound")
    config = base / "hotline-outbound.toml"
    text = CONFIG.read_text(encoding="utf-8")
    config.write_text(text.replace('password = "secret-1001"\n',
                                   'password = "secret-1001"\noutbound = true\n'),
                      encoding="utf-8")
    env = {
        **service_env(base, "test-outbound", carrier=True),
        "HOTLINE_PROMPTS__CUSTOM_DIR": str(base / "prompts"),
    }
    settings = load_settings(config, environ=env)
    assert [a.outbound for a in settings.agents] == [True, False]
    provision(Instance.of(settings))
    service = Service(config, env, settings, base / "service.log")
    service.start()
    ami = AmiObserver(settings)
    # The carrier: the trunk's contact is <first trunk host>:5060; it answers every call.
    carrier = AgentPhone(settings.sip.bind, "carrier", "", settings.sip.trunk_hosts[0],
                         tone(CALLER_TONE, base), port=5060, workdir=base / "carrier",
                         trace_messages=True).start(register=False)
    try:
        yield Outbound(settings, ami, Api(settings), carrier, base)
    finally:
        carrier.stop()
        ami.close()
        service.stop()


def test_a_permitted_mobile_goes_out_and_is_recorded_as_answered(outbound: Outbound) -> None:
    mark, since = outbound.ami.mark(), time.time()
    result = outbound.phone("1001").dial(MOBILE, talk_seconds=6)
    assert result.completed, result.output
    announced = outbound.ami.wait_for(mark, user_event("HotlineOutbound", Agent="1001"))
    assert announced["Number"] == MOBILE
    answered = outbound.ami.wait_for(mark, lambda e: e.get("Event") == "DialEnd"
                                     and e.get("DestChannel", "").startswith("PJSIP/trunk"))
    assert answered["DialStatus"] == "ANSWER"
    # The carrier got the INVITE for the mobile, showing the hotline's number, not the 工号.
    invites = [m for m in outbound.carrier.messages().split("\n\n")
               if f"INVITE sip:{MOBILE}@" in m]
    assert invites and f"<sip:{outbound.settings.hotline.number}@" in invites[0]
    record = outbound.record("1001", MOBILE, since)
    assert record["direction"] == "outbound" and record["route"] == "outbound"
    assert record["disposition"] == "answered" and record["agent"] == "1001"
    assert 4.0 < record["talk_seconds"] < 9.0  # the agent talked ~6 s after the answer
    # R11: recorded like a callback: the customer (the carrier's tone) left, the agent right.
    assert record["recording"] is not None and record["recording"]["channels"] == 2
    body = outbound.api.client.get(record["recording"]["url"])
    assert body.status_code == 200
    wav = outbound.base / f"outbound-{record['id']}.wav"
    wav.write_bytes(body.content)
    data, rate = audio.load(wav)
    seconds = len(data) / rate
    assert seconds > 4.0
    assert audio.tone_share(data, rate, 0, 0.5, seconds - 0.5, CALLER_TONE) > 0.8  # customer
    assert audio.tone_share(data, rate, 1, 0.5, seconds - 0.5, AGENT_TONE) > 0.8  # agent


def test_an_international_number_never_reaches_the_carrier(outbound: Outbound) -> None:
    before = outbound.metric("number_not_allowed")
    invites_before = outbound.carrier.messages().count("INVITE sip:")
    mark, since = outbound.ami.mark(), time.time()
    result = outbound.phone("1001").dial(INTERNATIONAL, talk_seconds=1, refused=True)
    assert result.completed, result.output  # early media, then 403
    assert_heard_the_refusal(outbound, result.workdir)
    refusal = outbound.ami.wait_for(mark, user_event("HotlineOutboundRefused", Agent="1001"))
    assert refusal["Number"] == INTERNATIONAL and refusal["Reason"] == "number_not_allowed"
    record = outbound.record("1001", INTERNATIONAL, since)
    assert record["direction"] == "outbound" and record["disposition"] == "refused"
    assert record["talk_seconds"] == 0 and record["recording"] is None
    assert not any(e.get("Channel", "").startswith("PJSIP/trunk")
                   for e in outbound.ami.since(mark))  # no leg to the carrier at all
    assert outbound.carrier.messages().count("INVITE sip:") == invites_before
    assert outbound.metric("number_not_allowed") == before + 1


def test_an_agent_without_opt_in_is_refused(outbound: Outbound) -> None:
    before = outbound.metric("agent_not_permitted")
    invites_before = outbound.carrier.messages().count("INVITE sip:")
    mark, since = outbound.ami.mark(), time.time()
    result = outbound.phone("1002").dial(MOBILE, talk_seconds=1, refused=True)
    assert result.completed, result.output
    assert_heard_the_refusal(outbound, result.workdir)
    refusal = outbound.ami.wait_for(mark, user_event("HotlineOutboundRefused", Agent="1002"))
    assert refusal["Number"] == MOBILE and refusal["Reason"] == "agent_not_permitted"
    record = outbound.record("1002", MOBILE, since)
    assert record["disposition"] == "refused" and record["agent"] == "1002"
    assert outbound.carrier.messages().count("INVITE sip:") == invites_before
    assert outbound.metric("agent_not_permitted") == before + 1
