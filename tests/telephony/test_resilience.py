"""The hotline is never unattended (R7): with the bridge down, Asterisk routes through the pyst2
fallback AGI; a restarted bridge adopts the running Asterisk. A bad configuration starts
nothing."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.telephony.conftest import CONFIG, Hotline
from tests.telephony.harness import user_event
from tests.telephony.ports import processes_using, service_binds

pytestmark = pytest.mark.asterisk


def test_fastagi_down_calls_still_routed_by_fallback(hotline: Hotline, phones) -> None:
    hotline.service.kill()  # the bridge dies; Asterisk keeps running
    try:
        phones("1001")
        mark = hotline.ami.mark()
        result, _ = hotline.call("13900000101", talk_seconds=8)
        assert result.completed, result.output
        route = hotline.ami.wait_for(mark, user_event("HotlineRoute"))
        assert route["Route"] == "agent" and route["Decider"] == "fallback"
        connect = hotline.ami.wait_for(mark, lambda e: e.get("Event") == "AgentConnect")
        assert connect["MemberName"] == "1001"

        mark = hotline.ami.mark()
        hotline.call("13900000102", talk_seconds=3, at="2026-10-01T10:00:00+08:00")
        route = hotline.ami.wait_for(mark, user_event("HotlineRoute"))
        assert route["Route"] == "holiday" and route["Decider"] == "fallback"
    finally:
        hotline.service.start()  # adopts the running Asterisk
    # The restarted bridge takes calls again through FastAGI.
    mark = hotline.ami.mark()
    result, since = hotline.call("13900000103", talk_seconds=6)
    assert result.completed, result.output
    route = hotline.ami.wait_for(mark, user_event("HotlineRoute"))
    assert route["Decider"] == "fastagi"
    assert hotline.api.wait_record("13900000103", since)["disposition"] == "answered"


def test_bad_config_is_refused_naming_the_key(tmp_path) -> None:
    bad = tmp_path / "bad.toml"
    text = CONFIG.read_text(encoding="utf-8")
    bad.write_text(text.replace("ring_timeout = 5", 'ring_timeout = "five"')
                   .replace('asterisk_instance = "test"', 'asterisk_instance = "test-bad"'),
                   encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "hotline", "up", "-c", str(bad)],
                          env={**os.environ, **service_binds()},
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "queue.ring_timeout" in proc.stderr
    assert "provisioning" not in proc.stderr and "Asterisk up" not in proc.stderr
    # Nothing of ours started: no Asterisk of that instance.
    assert processes_using("/srv/hotline/test-bad/") == []


def test_bridge_restart_mid_call_still_records_the_call(hotline: Hotline, phones) -> None:
    """The bridge dies while a caller talks to an agent; the restarted bridge adopts the running
    Asterisk (the call goes on) and, from the live channels, the call: its record is written
    with the agent and the recording; what the restarted bridge did not see (the routing, the
    queue) comes from Asterisk's CEL (issue 13), so the record is complete."""
    import threading

    phones("1001")
    mark = hotline.ami.mark()
    outcome: dict = {}

    def place() -> None:
        outcome["result"], outcome["since"] = hotline.call("13900000301", talk_seconds=16)

    caller = threading.Thread(target=place)
    caller.start()
    try:
        hotline.ami.wait_for(mark, lambda e: e.get("Event") == "AgentConnect", timeout=20)
        hotline.service.kill()
        hotline.service.start()
    finally:
        caller.join(timeout=60)
    assert outcome["result"].completed, outcome["result"].output  # the call was not dropped
    record = hotline.api.wait_record("13900000301", outcome["since"])
    assert record["partial"] is False and record["source"] == "reconciled"
    assert record["route"] == "agent" and record["decided_by"] == "fastagi"
    assert record["wait_seconds"] is not None
    assert record["agent"] == "1001" and record["disposition"] == "answered"
    assert record["recording"] is not None and record["recording"]["channels"] == 2


def test_calls_from_unknown_hosts_or_to_other_numbers_are_refused(hotline: Hotline) -> None:
    """Only the carrier's hosts may call in, and only the hotline number is answered."""
    from callsim import place_call, tone

    audio = tone(600.0, hotline.base)
    mark = hotline.ami.mark()
    stranger = place_call(hotline.sip, hotline.settings.hotline.number, "13900000401", audio,
                          2, local_ip="127.0.0.99", timeout=15)
    assert not stranger.completed
    wrong = place_call(hotline.sip, "4008009999", "13900000402", audio, 2,
                       local_ip=hotline.settings.sip.trunk_hosts[0], timeout=15)
    assert not wrong.completed
    events = hotline.ami.since(mark)
    # Nothing was routed; the stranger's INVITE was only announced as rejected (issue 13).
    said = [e for e in events if e.get("Event") == "UserEvent"]
    assert [e.get("UserEvent") for e in said] == ["HotlineSipRejected"]
    assert said[0]["Peer"].startswith("127.0.0.99:")
    assert not any(e.get("Event") == "Newstate" and e.get("ChannelStateDesc") == "Up"
                   for e in events)  # nothing was answered
