"""The SIP doors (issue 13) through the real Asterisk, on a hotline instance of its own:
INVITEs from neither the carrier nor an agent are rejected (403), announced, counted in
/metrics and kept out of the call records; the carrier is the carrier by address only."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from callsim.probe import knock
from ivr.ami_actions import endpoint_state
from pbx.layout import Instance
from pbx.ownership import run_ids
from pbx.process import Asterisk
from pbx.provision import provision
from settings import Settings, load_settings
from tests.telephony.conftest import CONFIG
from tests.telephony.harness import AmiObserver, Api, Service, user_event
from tests.telephony.ports import service_env

pytestmark = pytest.mark.asterisk
STRANGER = "127.0.0.77"  # neither a trunk host nor an agent's phone
PERMITTED = "127.0.0.21"  # agent 1001's phone may register and call from here only
OUTSIDER = "127.0.0.78"  # outside 1001's permit
BRUTE = "127.0.0.88"  # guesses passwords
BAN_AFTER, BAN_SECONDS = 5, 4


@dataclass
class Doors:
    settings: Settings
    ami: AmiObserver
    api: Api
    base: Path

    def metric(self, reason: str, name: str = "hotline_sip_rejected_total") -> float:
        text = httpx.get(f"http://{self.settings.api.bind}/metrics", timeout=10).text
        labels = f'{{reason="{reason}"}}' if reason else ""
        found = re.search(rf"^{name}{re.escape(labels)} (\S+)$", text, re.MULTILINE)
        return float(found.group(1)) if found else 0.0


@pytest.fixture(scope="module")
def doors(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Doors]:
    base = tmp_path_factory.mktemp("doors")
    config = base / "hotline-doors.toml"
    config.write_text(CONFIG.read_text(encoding="utf-8").replace(
        'password = "secret-1001"\n',
        f'password = "secret-1001"\npermit = ["{PERMITTED}/32", "10.9.0.0/16"]\n'),
        encoding="utf-8")
    env = {**service_env(base, "test-doors"),
           "HOTLINE_PROMPTS__CUSTOM_DIR": str(base / "prompts"),
           "HOTLINE_SIP__BAN_AFTER_FAILURES": str(BAN_AFTER), "HOTLINE_SIP__BAN_WINDOW": "60",
           "HOTLINE_SIP__BAN_SECONDS": str(BAN_SECONDS)}
    settings = load_settings(config, environ=env)
    assert settings.agents[0].permit == [f"{PERMITTED}/32", "10.9.0.0/16"]
    provision(Instance.of(settings))
    service = Service(config, env, settings, base / "service.log")
    service.start()
    ami = AmiObserver(settings)
    try:
        yield Doors(settings, ami, Api(settings), base)
    finally:
        ami.close()
        service.stop()


def test_an_unknown_invite_is_rejected_counted_and_not_recorded(doors: Doors) -> None:
    before = doors.metric("unknown_source")
    mark, since = doors.ami.mark(), time.time()
    answer = knock(doors.settings.sip.bind, STRANGER, "INVITE", "13900000077",
                   target=doors.settings.hotline.number)
    assert answer.codes == [403], answer.replies
    event = doors.ami.wait_for(mark, user_event("HotlineSipRejected", Reason="unknown_source"))
    assert event["Peer"].startswith(STRANGER) and event["Number"] == doors.settings.hotline.number
    deadline = time.monotonic() + 5
    while doors.metric("unknown_source") < before + 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert doors.metric("unknown_source") == before + 1
    time.sleep(1.0)  # a record, if one were written, would be there by now
    calls = doors.api.client.get("/calls", params={"caller": "13900000077"}).json()
    assert calls["total"] == 0 and time.time() > since


def test_saying_from_trunk_does_not_make_one_the_carrier(doors: Doors) -> None:
    mark = doors.ami.mark()
    answer = knock(doors.settings.sip.bind, STRANGER, "INVITE", "trunk",
                   target=doors.settings.hotline.number)
    assert answer.codes == [403], answer.replies
    doors.ami.wait_for(mark, user_event("HotlineSipRejected", Reason="unknown_source"))
    assert not any(e.get("UserEvent") == "HotlineRoute" for e in doors.ami.since(mark))


def test_saying_from_an_agent_gets_a_challenge_not_a_call(doors: Doors) -> None:
    mark = doors.ami.mark()
    answer = knock(doors.settings.sip.bind, STRANGER, "INVITE", "1001", target="1002")
    assert answer.codes == [401], answer.replies
    assert not any(e.get("Event") == "Newchannel" for e in doors.ami.since(mark))


def _reply(ami: AmiObserver, action: dict[str, str]) -> dict[str, Any]:
    answer = ami.act(ami.ami.action(action, as_list=False))
    return dict(answer[0] if isinstance(answer, list) else answer)


def test_the_bridge_login_cannot_read_configuration_or_dial_out(doors: Doors) -> None:
    """Issue 13 item 9: one leaked AMI secret must not give away every SIP digest (GetConfig
    pjsip.conf), the AMI secrets (manager.conf) or calls through the carrier (Originate)."""
    for name in ("pjsip.conf", "manager.conf"):
        answer = _reply(doors.ami, {"Action": "GetConfig", "Filename": name})
        assert (answer["Response"], answer["Message"]) == ("Error", "Permission denied")
    answer = _reply(doors.ami, {"Action": "Originate", "Channel": "PJSIP/13900000000@trunk",
                                "Application": "Wait", "Data": "1"})
    assert (answer["Response"], answer["Message"]) == ("Error", "Permission denied")
    for action in ("Command", "Reload", "ModuleLoad"):
        answer = _reply(doors.ami, {"Action": action, "Command": "core show version",
                                    "Module": "res_pjsip.so", "LoadType": "unload"})
        assert answer["Message"] == "Permission denied", action
    # What the bridge does use still works.
    assert _reply(doors.ami, {"Action": "CoreShowChannels"})["Response"] == "Success"


def test_the_originate_login_originates_and_reads_nothing(doors: Doors) -> None:
    s = doors.settings
    login = s.model_copy(update={"ami": s.ami.model_copy(update={
        "username": s.ami.originate_username, "secret": s.ami.originate_secret})})
    ami = AmiObserver(login)
    try:
        answer = _reply(ami, {"Action": "GetConfig", "Filename": "pjsip.conf"})
        assert (answer["Response"], answer["Message"]) == ("Error", "Permission denied")
        # Readable without `system` (a phone left registered by an earlier run shows in use).
        assert ami.act(endpoint_state(ami.ami, "1001")) in ("Unavailable", "Not in use")
        assert ami.act(endpoint_state(ami.ami, "9999")) == ""  # no such endpoint
        answer = _reply(ami, {"Action": "Originate", "Channel": "PJSIP/1001"})
        assert answer["Message"] != "Permission denied"  # refused for the missing fields only
    finally:
        ami.close()


def test_asterisk_runs_as_its_own_user_on_files_of_its_own(doors: Doors) -> None:
    instance = Instance.of(doors.settings)
    ids = run_ids(instance.root)
    assert ids is not None and ids[0] != 0
    pid = int((instance.run / "asterisk.pid").read_text().strip())
    status = Path(f"/proc/{pid}/status").read_text()
    uid = re.search(r"^Uid:\s+(\d+)\s+(\d+)", status, re.MULTILINE)
    gid = re.search(r"^Gid:\s+(\d+)\s+(\d+)", status, re.MULTILINE)
    assert uid is not None and gid is not None
    assert (int(uid.group(1)), int(uid.group(2))) == (ids[0], ids[0])  # real and effective
    assert int(gid.group(2)) == ids[1]
    for name in ("pjsip.conf", "manager.conf"):
        st = (instance.etc / name).stat()
        assert (st.st_uid, st.st_mode & 0o777) == (ids[0], 0o600), name
    # What Asterisk wrote itself is its own, and still the service's to read (it is root).
    astdb = instance.host(f"{instance.inner}/lib/astdb.sqlite3")
    assert astdb.stat().st_uid == ids[0] and astdb.read_bytes()[:6] == b"SQLite"


def test_an_agent_bound_to_networks_is_refused_elsewhere(doors: Doors) -> None:
    """[[agents]] permit: 1001 may register (and call) from its own network only, even with
    the right password (Asterisk answers 401, not saying why); 1002 (no permit) anywhere."""
    sip = doors.settings.sip.bind
    assert knock(sip, PERMITTED, "REGISTER", "1001", password="secret-1001").codes == [401, 200]
    elsewhere = knock(sip, OUTSIDER, "REGISTER", "1001", password="secret-1001")
    assert elsewhere.codes == [401, 401], elsewhere.replies
    call = knock(sip, OUTSIDER, "INVITE", "1001", target="1002", password="secret-1001")
    assert call.codes == [401, 401], call.replies
    assert knock(sip, OUTSIDER, "REGISTER", "1002", password="secret-1002").codes == [401, 200]


def test_repeated_failures_earn_a_temporary_ban(doors: Doors) -> None:
    """Issue 13: the probe found 30 wrong REGISTERs in 6 s, then the right password accepted at
    once. Now BAN_AFTER failures ban the address: even the right password gets 403, until the
    ban is over; other addresses are not affected."""
    sip = doors.settings.sip.bind
    bans, failed = doors.metric("", "hotline_sip_bans_total"), doors.metric("auth_failed")
    for n in range(BAN_AFTER):
        wrong = knock(sip, BRUTE, "REGISTER", "1002", password=f"guess-{n}")
        assert wrong.codes == [401, 401], (n, wrong.replies)  # challenged, then refused
    deadline = time.monotonic() + 5
    while doors.metric("", "hotline_sip_bans_total") < bans + 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert doors.metric("", "hotline_sip_bans_total") == bans + 1
    assert doors.metric("auth_failed") == failed + BAN_AFTER  # one security event each
    refused = knock(sip, BRUTE, "REGISTER", "1002", password="secret-1002")
    assert refused.codes == [403], refused.replies
    call = knock(sip, BRUTE, "INVITE", "13900000088", target=doors.settings.hotline.number)
    assert call.codes == [403], call.replies
    assert doors.metric("", "hotline_sip_banned") == 1
    assert knock(sip, "127.0.0.22", "REGISTER", "1002", password="secret-1002").final == 200
    health = httpx.get(f"http://{doors.settings.api.bind}/health", timeout=10).json()
    assert health["sip_banned"] == 1
    time.sleep(BAN_SECONDS + 2)
    after = knock(sip, BRUTE, "REGISTER", "1002", password="secret-1002")
    assert after.codes == [401, 200], after.replies
    assert doors.metric("", "hotline_sip_banned") == 0


def test_an_agent_lying_about_its_contact_is_refused_by_its_real_address(doors: Doors) -> None:
    """A client outside 1001's permit that knows the password and writes a permitted address
    in its Contact: before, Asterisk's contact ACL believed the header and registered it
    (calls to 1001 would have rung the client). Now the endpoint also checks the address the
    request really comes from (deny/permit): neither the REGISTER nor a call goes through,
    and each refusal is a failed attempt counted towards a ban."""
    sip = doors.settings.sip.bind
    failed = doors.metric("auth_failed")
    mark = doors.ami.mark()
    register = knock(sip, OUTSIDER, "REGISTER", "1001", password="secret-1001",
                     contact=f"{PERMITTED}:5060")
    assert register.codes[0] == 401 and register.final != 200, register.replies
    liar = knock(sip, OUTSIDER, "INVITE", "1001", target="13812345678", password="secret-1001",
                 contact=f"{PERMITTED}:5060")
    assert liar.codes[0] == 401 and liar.final in (401, 403), liar.replies
    deadline = time.monotonic() + 5
    while doors.metric("auth_failed") < failed + 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert doors.metric("auth_failed") >= failed + 2
    assert not any(e.get("UserEvent") == "HotlineOutbound" for e in doors.ami.since(mark))
    contacts = Asterisk(Instance.of(doors.settings), doors.settings.ami).cli(
        "pjsip show contacts")
    assert OUTSIDER not in contacts, contacts  # no contact of 1001's at the liar's address
    mark = doors.ami.mark()
    inside = knock(sip, PERMITTED, "INVITE", "1001", target="00442079460000",
                   password="secret-1001", timeout=15)
    assert inside.final == 403  # refused by [outbound] (international), not by the permit
    doors.ami.wait_for(mark, user_event("HotlineOutboundRefused", Agent="1001"))
    assert not any(e.get("UserEvent") == "HotlineSipRejected" for e in doors.ami.since(mark))
