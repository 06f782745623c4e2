"""Agents' presence through the real Asterisk (R24, issue 8), with [queue] sign_in = "required":
nobody is rung until signed in; feature codes from a SIPp phone (*21 sign in, *23[digit] pause,
*24 resume) and the API change it; the trail says where each change came from; the state
survives a bridge restart (read back from Asterisk) and an Asterisk restart (re-applied)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from callsim import AgentPhone, tone
from domain.policy import CLOCK_HEADER
from ivr.ami_actions import queue_pause, queue_status
from pbx.layout import Instance
from pbx.process import Asterisk
from pbx.provision import provision
from settings import Settings, load_settings
from tests.telephony.conftest import AGENT_TONE, CALLER_TONE, CONFIG, PHONE_IPS, WORKING_HOURS
from tests.telephony.harness import AmiObserver, Service, user_event
from tests.telephony.ports import free_port, service_env

pytestmark = pytest.mark.asterisk

ADMIN, AGENT_1002 = "presence-admin", "presence-agent-1002"


@dataclass
class Floor:
    settings: Settings
    service: Service
    ami: AmiObserver
    api: httpx.Client
    base: Any
    phones: dict[str, AgentPhone] = field(default_factory=dict)

    def phone(self, number: str) -> AgentPhone:
        if number not in self.phones:
            agent = self.settings.agent(number)
            assert agent is not None
            ip = PHONE_IPS[number]
            self.phones[number] = AgentPhone(
                self.settings.sip.bind, number, agent.password, ip,
                tone(AGENT_TONE, self.base), port=free_port(socket.SOCK_DGRAM, ip)).start()
            self.wait_member(number, lambda m: m.get("Status") not in ("4", "5"))
        return self.phones[number]

    def members(self) -> dict[str, dict[str, str]]:
        return {m["Name"]: m for m in self.ami.act(queue_status(self.ami.ami, "hotline"))}

    def wait_member(self, number: str, ok: Any, timeout: float = 15) -> dict[str, str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                member = self.members().get(number)
            except Exception:  # Asterisk restarting: the observer logs in again
                member = None
            if member is not None and ok(member):
                return member
            time.sleep(0.2)
        raise AssertionError(f"queue member {number} not as expected in {timeout} s: "
                             f"{self.members().get(number)}")

    def agent(self, number: str) -> dict[str, Any]:
        answer = self.api.get("/agents")
        assert answer.status_code == 200, answer.text
        return next(a for a in answer.json() if a["agent"] == number)

    def trail(self, number: str) -> list[dict[str, Any]]:
        answer = self.api.get(f"/agents/{number}/presence")
        assert answer.status_code == 200, answer.text
        return list(answer.json())

    def presence(self, number: str, action: str, reason: str | None = None,
                 token: str = ADMIN) -> httpx.Response:
        return self.api.post(f"/agents/{number}/presence", json={"action": action,
                                                                 "reason": reason},
                             headers={"Authorization": f"Bearer {token}"})

    def code(self, number: str, code: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """Dials a feature code from the agent's phone: (HotlinePresence, HotlinePresenceHeard)."""
        mark = self.ami.mark()
        result = self.phone(number).feature(code)
        assert result.completed, result.output
        done = self.ami.wait_for(mark, user_event("HotlinePresence", Agent=number))
        heard = self.ami.wait_for(mark, user_event("HotlinePresenceHeard", Agent=number))
        return done, heard

    def call(self, caller: str, talk_seconds: float) -> tuple[int, float]:
        from callsim import place_call
        mark, since = self.ami.mark(), time.time()
        result = place_call(self.settings.sip.bind, self.settings.hotline.number, caller,
                            tone(CALLER_TONE, self.base), talk_seconds,
                            local_ip=self.settings.sip.trunk_hosts[0],
                            headers={CLOCK_HEADER: WORKING_HOURS})
        assert result.completed, result.output
        return mark, since

    def rung(self, mark: int, number: str) -> bool:
        return any(e.get("Event") == "AgentCalled" and e.get("MemberName") == number
                   for e in self.ami.since(mark))

    def wait_synced(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://{self.settings.api.bind}/health", timeout=2
                             ).json().get("presence") == "synced":
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError("presence not reconciled after the restart")


@pytest.fixture(scope="module")
def floor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Floor]:
    base = tmp_path_factory.mktemp("presence")
    env = {
        **service_env(base, "test-presence"),
        "HOTLINE_PROMPTS__CUSTOM_DIR": str(base / "prompts"),
        "HOTLINE_QUEUE__SIGN_IN": "required",
        "HOTLINE_API__TOKENS": f'{{ "{ADMIN}" = "admin", "{AGENT_1002}" = "agent:1002" }}',
    }
    settings = load_settings(CONFIG, environ=env)
    instance = Instance.of(settings)
    provision(instance)
    # Asterisk's own memory of a previous run's choices (AstDB) must not leak into this one.
    instance.host(f"{instance.inner}/lib/astdb.sqlite3").unlink(missing_ok=True)
    service = Service(CONFIG, env, settings, base / "service.log")
    service.start()
    ami = AmiObserver(settings)
    api = httpx.Client(base_url=f"http://{settings.api.bind}", timeout=10,
                       headers={"Authorization": f"Bearer {ADMIN}"})
    floor = Floor(settings, service, ami, api, base)
    floor.wait_synced()  # reconciled at the first login, with nothing in AstDB yet
    try:
        yield floor
    finally:
        for phone in floor.phones.values():
            phone.stop()
        api.close()
        ami.close()
        service.stop()


def test_required_sign_in_pause_and_resume_from_the_phone(floor: Floor) -> None:
    floor.phone("1001")
    agent = floor.agent("1001")
    assert agent["state"] == "signed_out" and agent["registered"] is True

    # Nobody signed in: the caller goes to voicemail, no phone rings.
    mark, _ = floor.call("13900000101", talk_seconds=3)
    exit_ = floor.ami.wait_for(mark, user_event("HotlineQueueExit"))
    assert exit_["Status"] == "JOINEMPTY" and not floor.rung(mark, "1001")

    done, heard = floor.code("1001", "*21")
    assert (done["Result"], done["From"], done["To"]) == ("ok", "signed_out", "available")
    assert (heard["Prompt"], heard["Status"]) == ("presence_signed_in", "SUCCESS")
    assert floor.agent("1001")["state"] == "available"

    # Signed in: the next call reaches this agent.
    mark, _ = floor.call("13900000102", talk_seconds=3)
    connect = floor.ami.wait_for(mark, lambda e: e.get("Event") == "AgentConnect")
    assert connect["MemberName"] == "1001"

    done, heard = floor.code("1001", "*231")  # pause, reason 1
    assert (done["Result"], done["To"], done["Reason"]) == ("ok", "paused", "lunch")
    assert heard["Prompt"] == "presence_paused"
    agent = floor.agent("1001")
    assert agent["state"] == "paused" and agent["pause_reason"] == "lunch"
    member = floor.members()["1001"]
    assert member["Paused"] == "1" and member["PausedReason"] == "lunch"

    # Paused: the phone is not rung, the caller goes to voicemail.
    mark, _ = floor.call("13900000103", talk_seconds=3)
    assert floor.ami.wait_for(mark, user_event("HotlineQueueExit"))["Status"] == "JOINEMPTY"
    assert not floor.rung(mark, "1001")

    done, heard = floor.code("1001", "*24")
    assert (done["Result"], done["To"]) == ("ok", "available")
    assert floor.members()["1001"]["Paused"] == "0"
    # Resuming when not paused makes no sense: refused, the phone hears so, nothing changes.
    done, heard = floor.code("1001", "*24")
    assert done["Result"] == "invalid" and heard["Prompt"] == "presence_refused"
    # An unknown reason digit likewise.
    done, _ = floor.code("1001", "*239")
    assert done["Result"] == "invalid" and floor.members()["1001"]["Paused"] == "0"

    trail = floor.trail("1001")
    assert [(e["from"], e["to"], e["reason"], e["via"], e["by"]) for e in trail] == [
        ("signed_out", "available", "", "phone", "1001"),
        ("available", "paused", "lunch", "phone", "1001"),
        ("paused", "available", "", "phone", "1001")]
    assert all(e["at"].endswith("+08:00") for e in trail)

    # Feature codes are no calls: *21 and *231 ended before 13900000103 was placed, and the
    # records hold the three callers' calls and nothing of the phone's dialling.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not floor.api.get(
            "/calls", params={"caller": "13900000103"}).json()["items"]:
        time.sleep(0.3)
    callers = [c["caller"] for c in floor.api.get("/calls").json()["items"]]
    assert callers == ["13900000103", "13900000102", "13900000101"], callers


def test_the_api_changes_presence_and_the_trail_says_via_api(floor: Floor) -> None:
    assert floor.presence("1002", "sign_in").json()["state"] == "available"
    answer = floor.presence("1002", "pause", "training")
    assert answer.status_code == 200, answer.text
    assert answer.json()["state"] == "paused" and answer.json()["pause_reason"] == "training"
    member = floor.members()["1002"]
    assert member["Paused"] == "1" and member["PausedReason"] == "training"

    wrong = floor.presence("1002", "pause", "lunch")
    assert wrong.status_code == 409 and wrong.json()["error_id"] == "agent.presence_invalid"
    wrong = floor.presence("1002", "sign_in", "lunch")
    assert wrong.status_code == 422 and wrong.json()["error_id"] == "agent.reason_invalid"
    assert floor.presence("9999", "sign_in").json()["error_id"] == "agent.not_found"
    assert floor.presence("1001", "sign_out", token=AGENT_1002).status_code == 403

    # An agent token may change itself.
    answer = floor.presence("1002", "resume", token=AGENT_1002)
    assert answer.status_code == 200 and answer.json()["state"] == "available"
    assert floor.members()["1002"]["Paused"] == "0"
    assert floor.presence("1002", "sign_out").json()["state"] == "signed_out"
    member = floor.members()["1002"]
    assert member["Paused"] == "1" and member["PausedReason"] == "signed_out"

    # Paused through the API, 1001's phone is not rung either.
    assert floor.presence("1001", "pause").json()["pause_reason"] == ""
    mark, _ = floor.call("13900000104", talk_seconds=3)
    assert floor.ami.wait_for(mark, user_event("HotlineQueueExit"))["Status"] == "JOINEMPTY"
    assert not floor.rung(mark, "1001")
    assert floor.presence("1001", "resume").status_code == 200

    trail = floor.trail("1002")
    assert [(e["from"], e["to"], e["reason"], e["via"]) for e in trail] == [
        ("signed_out", "available", "", "api"), ("available", "paused", "training", "api"),
        ("paused", "available", "", "api"), ("available", "signed_out", "", "api")]
    assert trail[0]["by"] == "admin" and trail[2]["by"] == "agent:1002"


def test_a_paused_agent_is_not_rung_even_when_the_queue_is_out_of_date(floor: Floor) -> None:
    """What a `core reload` (a restarted bridge adopting Asterisk) or an Asterisk restart does
    to the queue's pause flags until the bridge re-applies them: here, unpaused behind the
    bridge's back. The dialplan checks the agent's own choice before the phone rings."""
    assert floor.presence("1001", "pause", "lunch").status_code == 200
    floor.ami.act(queue_pause(floor.ami.ami, "hotline", "Local/1001@hotline-agent-dial/n",
                              False))
    assert floor.members()["1001"]["Paused"] == "0"
    mark, _ = floor.call("13900000105", talk_seconds=4)
    skipped = floor.ami.wait_for(mark, user_event("HotlinePresenceSkipped", Agent="1001"))
    assert skipped["State"] == "paused"
    assert not any(e.get("Event") == "DialBegin"
                   and e.get("DestChannel", "").startswith("PJSIP/1001-")
                   for e in floor.ami.since(mark))
    assert floor.presence("1001", "resume").status_code == 200


def test_a_bridge_restart_keeps_the_state_and_learns_codes_dialled_meanwhile(
        floor: Floor) -> None:
    assert floor.presence("1002", "sign_in").status_code == 200
    assert floor.presence("1002", "pause", "lunch").status_code == 200
    floor.service.kill()  # the bridge dies; Asterisk keeps running
    done, _ = floor.code("1001", "*232")  # Asterisk applies the code by itself
    assert (done["Result"], done["Reason"]) == ("ok", "training")
    floor.service.start()
    floor.wait_synced()

    agent = floor.agent("1002")
    assert agent["state"] == "paused" and agent["pause_reason"] == "lunch"
    assert floor.members()["1002"]["PausedReason"] == "lunch"
    agent = floor.agent("1001")
    assert agent["state"] == "paused" and agent["pause_reason"] == "training"
    last = floor.trail("1001")[-1]
    assert (last["to"], last["reason"], last["via"], last["by"]) == (
        "paused", "training", "phone", "1001")
    assert floor.members()["1001"]["PausedReason"] == "training"


def test_an_asterisk_restart_reapplies_the_state_from_the_database(floor: Floor) -> None:
    if floor.agent("1002")["state"] != "paused":
        floor.presence("1002", "sign_in")
        assert floor.presence("1002", "pause", "lunch").status_code == 200
    asterisk = Asterisk(Instance.of(floor.settings), floor.settings.ami)
    before = asterisk.cli("core show uptime seconds")
    asterisk.cli("core restart now")
    # Asterisk starts its queue from queues.conf (required: every member paused, no reason);
    # the bridge logs in again and re-applies each agent's recorded state.
    member = floor.wait_member("1002", lambda m: m.get("PausedReason") == "lunch", timeout=40)
    assert member["Paused"] == "1"
    assert asterisk.cli("core show uptime seconds") != before
    floor.wait_synced()
    assert floor.agent("1002")["state"] == "paused"
    assert floor.agent("1001")["pause_reason"] == "training"
