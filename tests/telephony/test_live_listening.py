"""Live listening (issue 8, R18) through the real Asterisk: a caller on the trunk (tone 600 Hz),
agent 1001's phone (1400 Hz) and supervisor 9001's phone (1000 Hz), each on a loopback address
of its own whose received RTP is captured (tests/telephony/wire.py). During one call the
supervisor listens in three times over the API, once per mode, then once by dialling *251001:

- in every mode the supervisor hears the caller and the agent;
- listen: neither caller nor agent receives anything of the supervisor's tone;
- whisper: the agent does, the caller does not;
- barge: both do.

Every session is kept (GET /live-sessions, the call's record `live_sessions`) and makes the
call a live inspection in the month's QA plan."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from callsim import AgentPhone, CallResult, place_call, tone
from domain.policy import CLOCK_HEADER
from ivr.ami_actions import queue_status
from pbx.layout import Instance
from pbx.provision import provision
from settings import Settings, load_settings
from tests.telephony.conftest import AGENT_TONE, CALLER_TONE, CONFIG, WORKING_HOURS
from tests.telephony.harness import AmiObserver, Service, user_event
from tests.telephony.ports import free_loopback_host, free_port, service_env
from tests.telephony.wire import Capture, tone_share

pytestmark = pytest.mark.asterisk

SUPERVISOR_TONE = 1000.0
TOKENS = '{ "test-qa" = "qa", "test-admin" = "admin", "test-supervisor" = "supervisor" }'
BODY_9001 = {"agent": "1001", "listener": "9001"}
HEARD, NOT_HEARD = 0.05, 0.01  # share of the received energy at a party's tone


@dataclass
class Live:
    settings: Settings
    ami: AmiObserver
    base: Path
    hosts: dict[str, str]  # party -> its loopback address

    def api(self, token: str) -> httpx.Client:
        return httpx.Client(base_url=f"http://{self.settings.api.bind}", timeout=15,
                            headers={"Authorization": f"Bearer {token}"})

    def phone(self, number: str, password: str, freq: float) -> AgentPhone:
        host = self.hosts[number]
        phone = AgentPhone(self.settings.sip.bind, number, password, host,
                           tone(freq, self.base), port=free_port(socket.SOCK_DGRAM, host),
                           workdir=self.base / f"phone-{number}")
        return phone.start()

    def wait_reachable(self, agent: str, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            members = self.ami.act(queue_status(self.ami.ami, "hotline"))
            if any(m.get("Name") == agent and m.get("Status") not in ("4", "5")
                   for m in members):
                return
            time.sleep(0.1)
        raise AssertionError(f"agent {agent}'s phone did not become reachable")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    base = tmp_path_factory.mktemp("live")
    config = base / "hotline-live.toml"
    # Supervisor 9001 (password secret-9001) is in the suite's configuration.
    config.write_text(CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    env = {**service_env(base, "test-live", carrier=True),
           "HOTLINE_PROMPTS__CUSTOM_DIR": str(base / "prompts"),
           "HOTLINE_API__TOKENS": TOKENS}
    settings = load_settings(config, environ=env)
    provision(Instance.of(settings))
    service = Service(config, env, settings, base / "service.log")
    service.start()
    ami = AmiObserver(settings)
    hosts = {"caller": settings.sip.trunk_hosts[0], "1001": free_loopback_host(5060),
             "9001": free_loopback_host(5060)}
    try:
        yield Live(settings, ami, base, hosts)
    finally:
        ami.close()
        service.stop()


@dataclass
class Window:
    mode: str
    start: float
    end: float


def _listen(live: Live, token: str, mode: str, seconds: float = 3.0) -> tuple[Window, dict]:
    """One session over the API: the supervisor's phone rings, answers, listens `seconds`,
    then the session is ended with DELETE. Returns the listening window and the session."""
    mark = live.ami.mark()
    with live.api(token) as api:
        answer = api.post("/live-sessions", json={"agent": "1001", "listener": "9001",
                                                  "mode": mode})
        assert answer.status_code == 201, answer.text
        session = answer.json()
        assert {session["agent"], session["listener"], session["mode"]} == {"1001", "9001",
                                                                          mode}
        live.ami.wait_for(mark, user_event("HotlineLiveStart", Session=str(session["id"])),
                          timeout=15)
        start = time.time() + 0.7  # ChanSpy attaches to the call just after the answer
        time.sleep(seconds)
        end = time.time() - 0.2
        ended = api.delete(f"/live-sessions/{session['id']}")
        assert ended.status_code == 200, ended.text
        assert ended.json()["end_reason"] == "stopped"
        assert ended.json()["duration_seconds"] >= seconds - 0.5
    live.ami.wait_for(mark, lambda e: e.get("Event") == "Hangup"
                      and e.get("Channel", "").startswith("PJSIP/9001-"), timeout=10)
    time.sleep(0.3)
    return Window(mode, start, end), session


def test_refused_while_the_phone_is_not_registered_or_the_agent_not_on_a_call(
        live: Live) -> None:
    body = {"agent": "1001", "listener": "9001", "mode": "listen"}
    with live.api("test-supervisor") as api:
        answer = api.post("/live-sessions", json=body)
        assert answer.status_code == 409, answer.text
        assert answer.json()["error_id"] == "listener.unavailable"
        supervisor = live.phone("9001", "secret-9001", SUPERVISOR_TONE)
        try:
            answer = api.post("/live-sessions", json=body)
            # From the phone: the bridge finds no call, hangs the phone up, logs nothing.
            mark, asked = live.ami.mark(), time.monotonic()
            supervisor.dial("*251001", talk_seconds=20, timeout=30)
            assert time.monotonic() - asked < 10  # hung up, not the 20 s the phone would stay
            live.ami.wait_for(mark, user_event("HotlineLiveStart", Via="phone"), timeout=5)
        finally:
            supervisor.stop()
        assert answer.status_code == 409, answer.text
        assert answer.json()["error_id"] == "agent.not_on_call"
        time.sleep(0.5)
        assert api.get("/live-sessions").json()["total"] == 0  # nothing was started


def test_supervisor_listens_whispers_and_barges(live: Live) -> None:
    captures = {party: Capture(host, live.base).start() for party, host in live.hosts.items()}
    agent = live.phone("1001", "secret-1001", AGENT_TONE)
    supervisor = live.phone("9001", "secret-9001", SUPERVISOR_TONE)
    results: list[CallResult] = []
    try:
        live.wait_reachable("1001")
        mark = live.ami.mark()
        caller = threading.Thread(target=lambda: results.append(place_call(
            live.settings.sip.bind, live.settings.hotline.number, "13900000018",
            tone(CALLER_TONE, live.base), 34, local_ip=live.hosts["caller"],
            headers={CLOCK_HEADER: WORKING_HOURS})))
        caller.start()
        # The agent's phone is in the call once its channel enters the bridge (after the
        # agent's number was announced to the caller): before that it is agent.not_on_call.
        live.ami.wait_for(mark, lambda e: e.get("Event") == "BridgeEnter"
                          and e.get("Channel", "").startswith("PJSIP/1001-"), timeout=30)
        windows, sessions = [], []
        for token, mode in (("test-qa", "listen"), ("test-supervisor", "whisper"),
                            ("test-admin", "barge")):
            window, session = _listen(live, token, mode)
            windows.append(window)
            sessions.append(session)
        phone_window = _listen_from_the_phone(live, supervisor)
        caller.join(timeout=60)
    finally:
        for capture in captures.values():
            capture.stop()
        agent.stop()
        supervisor.stop()
    assert results and results[0].completed, results and results[0].output

    for w in windows:
        heard = {party: captures[party].heard(w.start, w.end) for party in captures}
        assert all(len(a) > 8000 for a in heard.values()), (w, {p: len(a) for p, a in
                                                              heard.items()})
        shares = {party: {f: round(tone_share(a, f), 3) for f in
                          (CALLER_TONE, AGENT_TONE, SUPERVISOR_TONE)}
                  for party, a in heard.items()}
        # The supervisor hears both sides of the call, in every mode.
        assert shares["9001"][CALLER_TONE] > HEARD, (w.mode, shares)
        assert shares["9001"][AGENT_TONE] > HEARD, (w.mode, shares)
        # The call goes on: caller and agent hear each other.
        assert shares["caller"][AGENT_TONE] > HEARD, (w.mode, shares)
        assert shares["1001"][CALLER_TONE] > HEARD, (w.mode, shares)
        agent_hears = shares["1001"][SUPERVISOR_TONE]
        caller_hears = shares["caller"][SUPERVISOR_TONE]
        if w.mode == "listen":
            assert agent_hears < NOT_HEARD and caller_hears < NOT_HEARD, (w.mode, shares)
        elif w.mode == "whisper":
            assert agent_hears > HEARD and caller_hears < NOT_HEARD, (w.mode, shares)
        else:
            assert agent_hears > HEARD and caller_hears > HEARD, (w.mode, shares)

    # The *25 session: the supervisor heard the call, nobody heard the supervisor.
    heard = {party: captures[party].heard(*phone_window) for party in captures}
    assert tone_share(heard["9001"], CALLER_TONE) > HEARD
    assert tone_share(heard["9001"], AGENT_TONE) > HEARD
    assert tone_share(heard["1001"], SUPERVISOR_TONE) < NOT_HEARD
    assert tone_share(heard["caller"], SUPERVISOR_TONE) < NOT_HEARD

    _every_session_is_kept(live, sessions)


def _listen_from_the_phone(live: Live, supervisor: AgentPhone) -> tuple[float, float]:
    """The supervisor dials *251001 from the phone and listens 4 s (then hangs up)."""
    mark = live.ami.mark()
    started: list[float] = []

    def dial() -> None:
        started.append(time.time())
        result = supervisor.dial("*251001", talk_seconds=4)
        assert result.completed, result.output

    dialler = threading.Thread(target=dial)
    dialler.start()
    event = live.ami.wait_for(mark, user_event("HotlineLiveStart", Via="phone"), timeout=15)
    assert event["Agent"] == "1001" and event["Listener"] == "9001" and event["Session"] == ""
    start = time.time() + 0.7
    dialler.join(timeout=30)
    return start, time.time() - 0.5


def _every_session_is_kept(live: Live, sessions: list[dict[str, Any]]) -> None:
    with live.api("test-admin") as api:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            page = api.get("/live-sessions", params={"agent": "1001"}).json()
            if page["total"] == 4 and all(s["ended_at"] for s in page["items"]):
                break
            time.sleep(0.3)
        items = page["items"]
        assert page["total"] == 4, page
        by_phone = items[0]  # newest first
        assert by_phone["via"] == "phone" and by_phone["by"] == "phone:9001"
        assert by_phone["mode"] == "listen" and by_phone["end_reason"] == "hangup"
        assert by_phone["duration_seconds"] > 2
        assert [s["mode"] for s in items[1:]] == ["barge", "whisper", "listen"]
        assert [s["by"].split("/")[0] for s in items[1:]] == ["admin", "supervisor", "qa"]
        assert {s["call_id"] for s in items} == {sessions[0]["call_id"]}

        call = _record(api, sessions[0]["call_id"])
        assert [s["id"] for s in call["live_sessions"]] == [s["id"] for s in reversed(items)]
        # R18: the call counts as a live inspection in its month's plan.
        month = datetime.fromisoformat(call["agent_answered_at"]).strftime("%Y-%m")
        assert api.post("/qa/plans", json={"month": month}).status_code == 200
        plan = api.get(f"/qa/plans/{month}").json()
        item = next(i for i in plan["items"] if i["call_id"] == call["id"])
        assert item["mode"] == "live" and "r18_live" in item["reasons"]
        assert next(a for a in plan["agents"] if a["agent"] == "1001")["live_done"] >= 1
        # Listening is no call: the sessions (the supervisor's originated phone, and its own
        # *251001 dialling) left no call record beside the one call listened to.
        everything = api.get("/calls", params={"limit": 200}).json()["items"]
        assert [c for c in everything if c["caller"] == "9001"
                or c["linkedid"].startswith("hotline-live-")] == [], everything


def _record(api: httpx.Client, linkedid: str, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for item in api.get("/calls", params={"agent": "1001"}).json()["items"]:
            if item["linkedid"] == linkedid:
                return dict(api.get(f"/calls/{item['id']}").json())
        time.sleep(0.3)
    raise AssertionError(f"no record of call {linkedid}")


def test_ending_while_the_phone_rings_and_an_unknown_code(live: Live) -> None:
    """DELETE hangs up a supervisor's phone that is still ringing (by the uniqueid the bridge
    gave the channel), long before its ring timeout; *25 with a 工号 that is no agent is
    refused at once and logs nothing."""
    agent = live.phone("1001", "secret-1001", AGENT_TONE)
    host = live.hosts["9001"]
    ringing = AgentPhone(live.settings.sip.bind, "9001", "secret-9001", host,
                         tone(SUPERVISOR_TONE, live.base), mode="noanswer",
                         port=free_port(socket.SOCK_DGRAM, host),
                         workdir=live.base / "phone-9001-noanswer").start()
    results: list[CallResult] = []
    try:
        live.wait_reachable("1001")
        mark = live.ami.mark()
        caller = threading.Thread(target=lambda: results.append(place_call(
            live.settings.sip.bind, live.settings.hotline.number, "13900000019",
            tone(CALLER_TONE, live.base), 12, local_ip=live.hosts["caller"],
            headers={CLOCK_HEADER: WORKING_HOURS})))
        caller.start()
        live.ami.wait_for(mark, lambda e: e.get("Event") == "BridgeEnter"
                          and e.get("Channel", "").startswith("PJSIP/1001-"), timeout=30)
        with live.api("test-supervisor") as api:
            mark = live.ami.mark()
            session = api.post("/live-sessions", json={**BODY_9001, "mode": "barge"}).json()
            spy = live.ami.wait_for(mark, lambda e: e.get("Event") == "Newchannel"
                                    and e.get("Channel", "").startswith("PJSIP/9001-"))
            assert spy["Uniqueid"].startswith("hotline-live-")
            time.sleep(0.5)
            asked = time.monotonic()
            ended = api.delete(f"/live-sessions/{session['id']}")
            assert ended.status_code == 200 and ended.json()["end_reason"] == "stopped"
            live.ami.wait_for(mark, lambda e: e.get("Event") == "Hangup"
                              and e.get("Uniqueid") == spy["Uniqueid"], timeout=10)
            # The ring timeout is 5 s: a hangup this soon is the DELETE's.
            assert time.monotonic() - asked < 2.0
            assert ended.json()["answered_at"] is None
            assert ended.json()["duration_seconds"] == 0.0

            mark = live.ami.mark()
            ringing.dial("*259999", talk_seconds=1, timeout=10)
            refused = live.ami.wait_for(mark, user_event("HotlineLiveRefused"), timeout=10)
            assert refused["Agent"] == "9999" and refused["Listener"] == "9001"
            assert api.get("/live-sessions", params={"agent": "9999"}).json()["total"] == 0
        caller.join(timeout=40)
    finally:
        agent.stop()
        ringing.stop()
    assert results and results[0].completed, results and results[0].output
