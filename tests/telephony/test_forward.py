"""R7 with an on-duty mobile configured: out of hours the call is forwarded out through the
trunk, and the record says forwarded. A second hotline instance (its own ports) runs with
after_hours.forward_to set; a SIPp phone at the trunk's address answers as the mobile."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator

import pytest

from callsim import AgentPhone, place_call, tone
from domain.policy import CLOCK_HEADER
from pbx.layout import Instance
from settings import load_settings
from tests.telephony.conftest import AGENT_TONE, CALLER_TONE, CONFIG
from tests.telephony.harness import AmiObserver, Api, Service, user_event
from tests.telephony.ports import service_env

pytestmark = pytest.mark.asterisk
MOBILE = "13812345678"


@pytest.fixture(scope="module")
def forwarding(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    base = tmp_path_factory.mktemp("forward")
    env = {
        # The carrier's side sits on <trunk host>:5060: a trunk address nobody else uses.
        **service_env(base, "test-forward", carrier=True),
        "HOTLINE_AFTER_HOURS__FORWARD_TO": MOBILE,
    }
    settings = load_settings(CONFIG, environ=env)
    service = Service(CONFIG, env, settings, base / "service.log")
    service.start()
    ami = AmiObserver(settings)
    # The carrier's side of the forward: the trunk's contact is <first trunk host>:5060.
    mobile = AgentPhone(settings.sip.bind, MOBILE, "", settings.sip.trunk_hosts[0],
                        tone(AGENT_TONE, base), port=5060).start(register=False)
    try:
        yield settings, ami, Api(settings), base, service
    finally:
        mobile.stop()
        ami.close()
        service.stop()


def test_out_of_hours_call_is_forwarded_to_the_mobile(forwarding: tuple) -> None:
    settings, ami, api, base, _ = forwarding
    mark = ami.mark()
    since = time.time()
    result = place_call(settings.sip.bind, settings.hotline.number, "13900000201",
                        tone(CALLER_TONE, base), 9, local_ip=settings.sip.trunk_hosts[0],
                        headers={CLOCK_HEADER: "2026-10-01T10:00:00+08:00"})  # National Day
    assert result.completed, result.output
    route = ami.wait_for(mark, user_event("HotlineRoute"))
    assert route["Route"] == "forward" and route["Closed"] == "holiday"
    answered = ami.wait_for(mark, lambda e: e.get("Event") == "DialEnd"
                            and e.get("DestChannel", "").startswith("PJSIP/trunk"))
    assert answered["DialStatus"] == "ANSWER"
    record = api.wait_record("13900000201", since)
    assert record["route"] == "forward" and record["disposition"] == "forwarded"
    assert record["agent"] is None and record["talk_seconds"] > 1.0
    assert any(leg["channel"].startswith("PJSIP/trunk") and leg["answered_at"]
               for leg in record["legs"][1:])  # the outbound leg to the mobile


def test_ctrl_c_stops_asterisk_too(forwarding: tuple) -> None:
    """`hotline up` owns the Asterisk it started: Ctrl-C (SIGINT) stops both, ports freed."""
    settings, _, _, _, service = forwarding
    pid = int(Instance.of(settings).run.joinpath("asterisk.pid").read_text())
    os.kill(pid, 0)  # running now
    service.stop()
    assert service.proc is not None and service.proc.returncode == 0
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    host, _, port = settings.sip.bind.rpartition(":")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((host, int(port)))
