"""A ticket's callback through the real Asterisk: POST /tickets/{id}/callbacks rings the SIPp
agent phone first; when it answers, the SIPp customer at the trunk's address is dialled; both
talk; the call record is outbound/callback, linked to the ticket, and its recording has the
customer on channel 0 and the agent on channel 1. A phone that is not registered: 409."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from callsim import AgentPhone, tone
from ivr.ami_actions import hangup
from settings import Settings, load_settings
from tests.telephony import audio
from tests.telephony.conftest import AGENT_TONE, CALLER_TONE, CONFIG, PHONE_IPS
from tests.telephony.harness import AmiObserver, Api, Service, user_event
from tests.telephony.ports import free_port, service_env

pytestmark = pytest.mark.asterisk
CUSTOMER = "13812340001"


@dataclass
class CallbackWorld:
    settings: Settings
    ami: AmiObserver
    api: Api
    admin: httpx.Client
    base: Path


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CallbackWorld]:
    base = tmp_path_factory.mktemp("callback")
    env = {
        # The customer's side sits on <trunk host>:5060: a trunk address nobody else uses.
        **service_env(base, "test-callback", carrier=True),
    }
    settings = load_settings(CONFIG, environ=env)
    service = Service(CONFIG, env, settings, base / "service.log")
    service.start()
    ami = AmiObserver(settings)
    customer = AgentPhone(settings.sip.bind, CUSTOMER, "", settings.sip.trunk_hosts[0],
                          tone(CALLER_TONE, base), port=5060).start(register=False)
    agent = settings.agent("1001")
    assert agent is not None
    phone = AgentPhone(settings.sip.bind, "1001", agent.password, PHONE_IPS["1001"],
                       tone(AGENT_TONE, base),
                       port=free_port(socket.SOCK_DGRAM, PHONE_IPS["1001"])).start()
    time.sleep(0.3)  # the registration's device state
    admin = httpx.Client(base_url=f"http://{settings.api.bind}", timeout=10,
                         headers={"Authorization": "Bearer test-admin"})
    try:
        yield CallbackWorld(settings, ami, Api(settings), admin, base)
    finally:
        admin.close()
        phone.stop()
        customer.stop()
        ami.close()
        service.stop()


def test_a_callback_rings_the_agent_then_the_customer(world: CallbackWorld) -> None:
    ticket = world.admin.post("/tickets", json={
        "category": "complaint", "complaint_kind": "responsible",
        "customer": {"number": CUSTOMER, "name": "回访客户"}}).json()
    mark = world.ami.mark()
    since = time.time()
    r = world.admin.post(f"/tickets/{ticket['id']}/callbacks", json={"agent": "1001"})
    assert r.status_code == 202, r.text
    callback_id = r.json()["callback_id"]
    started = world.ami.wait_for(mark, user_event("HotlineCallback", Callback=callback_id))
    assert started["Agent"] == "1001" and started["Customer"] == CUSTOMER
    world.ami.wait_for(mark, lambda e: e.get("Event") == "DialEnd"
                       and e.get("DestChannel", "").startswith("PJSIP/trunk")
                       and e.get("DialStatus") == "ANSWER")
    time.sleep(6)  # both talk
    world.ami.act(hangup(world.ami.ami, "/^PJSIP/1001-/"))  # the agent hangs up
    world.ami.wait_for(mark, user_event("HotlineCallbackEnd", Callback=callback_id))

    # The agent's phone rang (and answered) before the customer's channel existed.
    events = world.ami.since(mark)
    def first(match) -> int:
        return next(i for i, e in enumerate(events) if match(e))
    agent_up = first(lambda e: e.get("Event") == "Newstate"
                     and e.get("Channel", "").startswith("PJSIP/1001")
                     and e.get("ChannelStateDesc") == "Up")
    customer_new = first(lambda e: e.get("Event") == "Newchannel"
                         and e.get("Channel", "").startswith("PJSIP/trunk"))
    assert agent_up < customer_new

    record = world.api.wait_record("1001", since)
    assert (record["direction"], record["route"], record["disposition"]) == (
        "outbound", "callback", "answered")
    assert record["agent"] == "1001" and record["called"] == CUSTOMER
    assert record["hangup_by"] is not None and record["talk_seconds"] > 4.0
    assert record["recording"]["channels"] == 2

    # Linked to the ticket (the plugin waits for the record).
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        linked = world.admin.get(f"/tickets/{ticket['id']}").json()
        if record["id"] in linked["call_ids"]:
            break
        time.sleep(0.3)
    assert linked["call_ids"] == [record["id"]]
    [call_event] = [e for e in linked["events"] if e["type"] == "callback_call"]
    assert call_event["callback_id"] == callback_id and call_event["call_id"] == record["id"]

    body = world.api.client.get(record["recording"]["url"])
    assert body.status_code == 200
    wav = world.base / f"callback-{record['id']}.wav"
    wav.write_bytes(body.content)
    data, rate = audio.load(wav)
    seconds = len(data) / rate
    assert seconds > 4.0
    assert audio.tone_share(data, rate, 0, 0.5, seconds - 0.5, CALLER_TONE) > 0.8  # customer
    assert audio.tone_share(data, rate, 1, 0.5, seconds - 0.5, AGENT_TONE) > 0.8  # agent


def test_a_phone_that_is_not_registered_is_refused(world: CallbackWorld) -> None:
    ticket = world.admin.post("/tickets", json={"customer": {"number": CUSTOMER}}).json()
    r = world.admin.post(f"/tickets/{ticket['id']}/callbacks", json={"agent": "1002"})
    assert (r.status_code, r.json()["error_id"]) == (409, "agent.unavailable")
    assert r.json()["details"]["state"] == "Unavailable"


def test_an_agent_who_does_not_answer_leaves_callback_failed(world: CallbackWorld) -> None:
    agent = world.settings.agent("1002")
    assert agent is not None
    phone = AgentPhone(world.settings.sip.bind, "1002", agent.password, PHONE_IPS["1002"],
                       tone(AGENT_TONE, world.base), mode="noanswer",
                       port=free_port(socket.SOCK_DGRAM, PHONE_IPS["1002"])).start()
    try:
        time.sleep(0.3)
        ticket = world.admin.post("/tickets", json={"customer": {"number": CUSTOMER}}).json()
        r = world.admin.post(f"/tickets/{ticket['id']}/callbacks", json={"agent": "1002"})
        assert r.status_code == 202, r.text
        callback_id = r.json()["callback_id"]
        deadline = time.monotonic() + world.settings.queue.ring_timeout + 10
        failed: list[dict] = []
        while not failed and time.monotonic() < deadline:
            events = world.admin.get(f"/tickets/{ticket['id']}").json()["events"]
            failed = [e for e in events if e["type"] == "callback_failed"]
            time.sleep(0.3)
        assert failed, "no callback_failed event after the agent's phone rang out"
        assert failed[0]["callback_id"] == callback_id
        assert failed[0]["reason"] == "the agent did not answer"
        # The customer was never dialled.
        assert not any(e["type"] == "callback_call" for e in events)
    finally:
        phone.stop()
