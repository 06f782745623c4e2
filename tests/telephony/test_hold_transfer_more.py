"""More hold and transfer cases of issue 8 (R9) through the real Asterisk, beside
test_hold_transfer.py (whose floor, phones, wire capture and tones this module reuses): a
hotline instance of its own, music on hold a 900 Hz tone in 3 s passages.

- Hold with `a=inactive` (the other SDP direction phones send for hold): the caller receives
  the R9 message, music, the message again; `hold_seconds` is the hold's length (±1 s).
- The second agent holds: 1001 blind-transfers to 1002, who holds the caller; the hold is
  counted, the caller receives the message and music, the record is one with agents
  [1001, 1002].
- The bridge (`hotline up`) SIGKILLed while 1001 talks and started again while the caller
  talks to 1002 after the transfer (it adopts the live call, and completes its record from
  CEL at the end), or after the call ended (it reconciles it from CEL): one record, agents
  [1001, 1002], answered, hung up by the caller (not by 1001 leaving after the REFER), talk
  from 1001's answer to the end, its recording attached; a hold by 1002 once the bridge is
  back is counted (CEL logs no hold: completing the record from CEL used to drop it).
"""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from callsim.wire import RATE, RtpCapture
from settings import load_settings
from tests.telephony.conftest import AGENT_TONE, CONFIG
from tests.telephony.harness import AmiObserver, Api, Service
from tests.telephony.ports import free_port, service_env
from tests.telephony.test_hold_transfer import (
    MUSIC_TONE,
    OTHER_AGENT_TONE,
    PASSAGE,
    Floor,
    _event,
    _level,
    _prompt_seconds,
    _share,
    _t,
    _ts,
    _wait_reachable,
)

pytestmark = pytest.mark.asterisk


@dataclass
class ServedFloor(Floor):
    service: Service | None = None  # `hotline up`, killed and started again by a test


@pytest.fixture(scope="module")
def floor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedFloor]:
    """As test_hold_transfer.py's floor, on an Asterisk instance of this module's own."""
    base = tmp_path_factory.mktemp("hold-transfer-more")
    music = base / "music"
    music.mkdir()
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", str(music / "tone.wav"), "synth",
                    "30", "sine", str(MUSIC_TONE), "vol", "0.3"], check=True, timeout=30)
    env = {
        **service_env(base, "test-transfer-more"),
        "HOTLINE_PROMPTS__CUSTOM_DIR": str(base / "prompts"),
        "HOTLINE_HOLD__MUSIC_DIR": str(music),
        "HOTLINE_HOLD__PASSAGE_SECONDS": str(PASSAGE),
    }
    settings = load_settings(CONFIG, environ=env)
    service = Service(CONFIG, env, settings, base / "service.log")
    service.start()
    ami = AmiObserver(settings)
    try:
        yield ServedFloor(settings, ami, Api(settings), base, service=service)
    finally:
        ami.close()
        service.stop()


@pytest.fixture
def on_floor(floor: ServedFloor) -> Iterator[ServedFloor]:
    yield floor
    floor.stop_phones()
    assert floor.service is not None
    if floor.service.proc is None or floor.service.proc.poll() is not None:
        floor.service.start()  # a test that failed with the bridge down leaves it running


def _captured_call(floor: Floor, caller: str, talk_seconds: float, name: str
                   ) -> tuple[np.ndarray, float]:
    """Places the call, capturing on the wire what the caller received: (audio, start)."""
    caller_ip = floor.settings.sip.trunk_hosts[0]
    port = free_port(socket.SOCK_DGRAM, caller_ip)
    capture = RtpCapture(caller_ip, port, floor.base / f"{name}.pcap").start()
    try:
        completed, output = floor.call(caller, talk_seconds=talk_seconds, media_port=port)
    finally:
        capture.stop()
    assert completed, output
    return capture.audio()


def _assert_heard_hold(heard: np.ndarray, start: float, held: float, resumed: float,
                       message: float, voice: float) -> None:
    """R9 on the wire: during the hold the message, a passage of music, the message again,
    never the agent (`voice`); the agent before and after the hold."""
    def window(a: float, b: float) -> np.ndarray:
        return heard[int((a - start) * RATE):int((b - start) * RATE)]

    assert _share(window(held + 0.3, resumed - 0.2), voice) < 0.02
    assert _share(window(held - 2.0, held - 0.2), voice) > 0.8
    assert _share(window(resumed + 0.5, resumed + 2.5), voice) > 0.8
    first = window(held + 0.3, held + message - 0.3)
    assert _level(first) > -35 and _share(first, MUSIC_TONE) < 0.1
    music = window(held + message + 0.4, held + message + PASSAGE - 0.4)
    assert _share(music, MUSIC_TONE) > 0.8
    again = window(held + message + PASSAGE + 0.3, held + 2 * message + PASSAGE - 0.3)
    assert _level(again) > -35 and _share(again, MUSIC_TONE) < 0.1


def test_hold_with_inactive_plays_the_message_and_counts_hold_seconds(on_floor: Floor
                                                                     ) -> None:
    """A phone that holds with `a=inactive` instead of `a=sendonly`: the same hold (R9)."""
    floor = on_floor
    hold_for = 10.0
    phone = floor.phone("1001", AGENT_TONE, mode="hold", hold_after="4000",
                        hold_for=str(int(hold_for * 1000)), hold_direction="inactive")
    assert "a=inactive" in (phone.workdir / "agent_hold.xml").read_text()
    _wait_reachable(floor, "1001")
    mark, since = floor.ami.mark(), time.time()
    heard, start = _captured_call(floor, "13900000811", 22, "inactive-caller")
    held = floor.ami.wait_for(mark, _event("Hold"))
    resumed = floor.ami.wait_for(mark, _event("Unhold"))
    assert held["Channel"].startswith("PJSIP/1001-")
    record = floor.api.wait_record("13900000811", since)
    assert record["disposition"] == "answered" and record["agents"] == ["1001"]
    assert abs(record["hold_seconds"] - hold_for) <= 1.0, record["hold_seconds"]
    assert abs(record["hold_seconds"] - (_ts(resumed) - _ts(held))) <= 0.1
    _assert_heard_hold(heard, start, _ts(held), _ts(resumed), _prompt_seconds(floor, "hold"),
                       AGENT_TONE)


def test_the_colleague_holds_after_a_blind_transfer(on_floor: Floor) -> None:
    """1001 blind-transfers the caller to 1002, who puts it on hold for 14 s: the caller hears
    the R9 message and music, hold_seconds counts 1002's hold, one record [1001, 1002]."""
    floor = on_floor
    hold_for = 14.0  # the message, a passage of music and the message again (R9)
    floor.phone("1001", AGENT_TONE, mode="transfer", calls=1, transfer_after="4000",
                transfer_to="1002")
    floor.phone("1002", OTHER_AGENT_TONE, mode="hold", hold_after="3000",
                hold_for=str(int(hold_for * 1000)))
    _wait_reachable(floor, "1001")
    _wait_reachable(floor, "1002")
    mark, since = floor.ami.mark(), time.time()
    heard, start = _captured_call(floor, "13900000812", 34, "colleague-hold-caller")
    floor.ami.wait_for(mark, _event("BlindTransfer", Result="Success"))
    # The colleague's hold (the transfer itself reports an Unhold on 1001's channel).
    held = floor.ami.wait_for(mark, _on_phone("Hold", "1002"))
    resumed = floor.ami.wait_for(mark, _on_phone("Unhold", "1002"))
    assert not [e for e in floor.ami.since(mark) if _on_phone("Hold", "1001")(e)]
    record = floor.api.wait_record("13900000812", since)
    assert floor.api.client.get("/calls", params={"caller": "13900000812"}).json()["total"] == 1
    assert record["agent"] == "1001" and record["agents"] == ["1001", "1002"]
    assert record["disposition"] == "answered"
    assert held["Linkedid"] == record["linkedid"]
    assert abs(record["hold_seconds"] - hold_for) <= 1.0, record["hold_seconds"]
    assert abs(record["hold_seconds"] - (_ts(resumed) - _ts(held))) <= 0.1
    _assert_heard_hold(heard, start, _ts(held), _ts(resumed), _prompt_seconds(floor, "hold"),
                       OTHER_AGENT_TONE)


def _on_phone(name: str, phone: str) -> Callable[[dict[str, Any]], bool]:
    return lambda e: (e.get("Event") == name
                      and str(e.get("Channel", "")).startswith(f"PJSIP/{phone}-"))


def _in_background(run: Callable[[], Any]) -> Callable[[], Any]:
    """Runs `run` in a thread; returns a join that gives its result (bounded)."""
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(run()))
    thread.start()

    def join() -> Any:
        thread.join(timeout=120)
        assert result, "the call did not finish"
        return result[0]
    return join


@dataclass
class Restarted:
    record: dict[str, Any]
    mark: int  # the AMI observer's mark before the call
    back_at: float  # when the bridge answered /health again


def _transferred_call_across_a_restart(floor: ServedFloor, caller: str, talk_seconds: float,
                                       back_while_talking: bool, mode: str = "answer",
                                       **colleague: str) -> Restarted:
    """The caller reaches 1001, who blind-transfers it to 1002 after 4 s; the bridge is
    SIGKILLed while 1001 talks and started again after 1002 answered, while the caller
    still talks to 1002 (back_while_talking) or once the call is over. `mode`, `colleague`:
    1002's phone's mode and actions (default: it answers and talks)."""
    assert floor.service is not None
    floor.phone("1001", AGENT_TONE, mode="transfer", calls=1, transfer_after="4000",
                transfer_to="1002")
    floor.phone("1002", OTHER_AGENT_TONE, mode, None, **colleague)
    _wait_reachable(floor, "1001")
    _wait_reachable(floor, "1002")
    mark, since = floor.ami.mark(), time.time()
    join = _in_background(lambda: floor.call(caller, talk_seconds=talk_seconds))
    floor.ami.wait_for(mark, _on_phone("BridgeEnter", "1001"), timeout=30)
    floor.service.kill()  # Asterisk (its own session) keeps the call
    floor.ami.wait_for(mark, _on_phone("BridgeEnter", "1002"), timeout=30)
    if back_while_talking:
        floor.service.start()  # adopts the live call
        back_at = time.time()
        assert not [e for e in floor.ami.since(mark) if e.get("Event") == "Hangup"
                    and e.get("Uniqueid") == e.get("Linkedid")], "restarted too late"
    completed, output = join()
    assert completed, output  # the caller talked to the end: nothing dropped
    if not back_while_talking:
        floor.service.start()  # reconciles the call from Asterisk's CEL
        back_at = time.time()
    record = floor.api.wait_record(caller, since, timeout=60)
    assert floor.api.client.get("/calls", params={"caller": caller}).json()["total"] == 1
    return Restarted(record, mark, back_at)


def _assert_whole_transferred_call(floor: Floor, record: dict[str, Any]) -> None:
    assert record["agent"] == "1001" and record["agents"] == ["1001", "1002"], record
    assert record["disposition"] == "answered" and record["route"] == "agent"
    assert record["hangup_by"] == "caller"  # not 1001 hanging up after the REFER
    # Talk runs from 1001's answer to the end, across the transfer.
    assert abs(record["talk_seconds"] - (_t(record, "ended_at")
                                         - _t(record, "agent_answered_at"))) < 1.0
    assert record["recording"] is not None, record["recording_error"]
    assert record["recording"]["channels"] == 2
    data, rate = floor.recording(record)
    assert len(data) / rate > record["talk_seconds"] - 2


def test_bridge_restarted_while_the_caller_talks_to_the_colleague(on_floor: ServedFloor
                                                                  ) -> None:
    """The bridge is back while the caller talks to 1002 (it adopts the call), then 1002
    holds the caller for 5 s: the whole call in one record, and its record, completed from
    CEL at the end (CEL logs no hold), keeps the hold the bridge saw."""
    floor = on_floor
    hold_for = 5.0
    run = _transferred_call_across_a_restart(
        floor, "13900000813", 40, back_while_talking=True, mode="hold", hold_after="15000",
        hold_for=str(int(hold_for * 1000)))
    _assert_whole_transferred_call(floor, run.record)
    held = floor.ami.wait_for(run.mark, _on_phone("Hold", "1002"))
    resumed = floor.ami.wait_for(run.mark, _on_phone("Unhold", "1002"))
    assert _ts(held) > run.back_at, "the bridge came back after the hold began"
    assert abs(run.record["hold_seconds"] - hold_for) <= 1.0, run.record["hold_seconds"]
    assert abs(run.record["hold_seconds"] - (_ts(resumed) - _ts(held))) <= 0.1


def test_bridge_down_for_the_whole_transfer(on_floor: ServedFloor) -> None:
    """The bridge is back only after the call: reconciled from CEL, the whole call."""
    floor = on_floor
    record = _transferred_call_across_a_restart(floor, "13900000814", 16,
                                                back_while_talking=False).record
    assert record["source"] == "reconciled"
    _assert_whole_transferred_call(floor, record)
