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
from pbx.provision import provision
from settings import Settings, load_settings
from tests.telephony.conftest import CONFIG
from tests.telephony.harness import AmiObserver, Api, Service, user_event
from tests.telephony.ports import service_env

pytestmark = pytest.mark.asterisk
STRANGER = "127.0.0.77"  # neither a trunk host nor an agent's phone


@dataclass
class Doors:
    settings: Settings
    ami: AmiObserver
    api: Api
    base: Path

    def metric(self, reason: str) -> float:
        text = httpx.get(f"http://{self.settings.api.bind}/metrics", timeout=10).text
        found = re.search(rf'^hotline_sip_rejected_total{{reason="{reason}"}} (\S+)$', text,
                          re.MULTILINE)
        return float(found.group(1)) if found else 0.0


@pytest.fixture(scope="module")
def doors(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Doors]:
    base = tmp_path_factory.mktemp("doors")
    env = {**service_env(base, "test-doors"),
           "HOTLINE_PROMPTS__CUSTOM_DIR": str(base / "prompts")}
    settings = load_settings(CONFIG, environ=env)
    provision(Instance.of(settings))
    service = Service(CONFIG, env, settings, base / "service.log")
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
        states = ami.act(endpoint_state(ami.ami, "1001"))
        assert states == "Unavailable"  # no phone registered: and readable without `system`
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
