"""Hold and transfer from agents' phones (issue 8, R9) through the real Asterisk: a hotline
instance of its own whose music on hold is a 900 Hz tone cut into 3 s passages (so the music,
the R9 message between passages, the caller's and each agent's voice are told apart by
frequency), SIPp agent phones that hold (re-INVITE sendonly) or transfer (REFER), a SIPp
caller whose received RTP is captured on the wire.

- Hold: what the caller received during the hold is the message, music, the message again,
  never the agent; `hold_seconds` is the hold's length within 1 s.
- Blind transfer 1001 -> 1002: one record with `agents` [1001, 1002] and one recording whose
  right channel is 1001's voice before the transfer and 1002's after it; the caller hears 1002
  on the wire as soon as 1002 answers.
- Attended transfer (hold, call 1002 from the phone, REFER with Replaces): the consultation
  call folds into the caller's: one record, agents [1001, 1002], hold time, one recording."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from callsim import AgentPhone, place_call, tone
from callsim.wire import RATE, RtpCapture
from domain.policy import CLOCK_HEADER
from pbx.layout import Instance
from settings import Settings, load_settings
from tests.telephony import audio
from tests.telephony.conftest import AGENT_TONE, CALLER_TONE, CONFIG, PHONE_IPS, WORKING_HOURS
from tests.telephony.harness import AmiObserver, Api, Service, user_event
from tests.telephony.ports import free_port, service_env

pytestmark = pytest.mark.asterisk
MUSIC_TONE = 900.0  # the test's music on hold
OTHER_AGENT_TONE = 2000.0  # agent 1002's voice, told apart from 1001's (AGENT_TONE)
PASSAGE = 3  # seconds of music between two repetitions of the R9 message


@dataclass
class Floor:
    settings: Settings
    ami: AmiObserver
    api: Api
    base: Path
    phones: list[AgentPhone] = field(default_factory=list)

    def phone(self, number: str, voice: float, mode: str = "answer", calls: int | None = None,
              **actions: str) -> AgentPhone:
        agent = self.settings.agent(number)
        assert agent is not None
        ip = PHONE_IPS[number]
        phone = AgentPhone(self.settings.sip.bind, number, agent.password, ip,
                           tone(voice, self.base), mode=mode,
                           port=free_port(socket.SOCK_DGRAM, ip), actions=actions, calls=calls,
                           workdir=self.base / f"phone-{number}-{time.monotonic_ns()}")
        self.phones.append(phone.start())
        return phone

    def call(self, caller: str, talk_seconds: float, media_port: int | None = None,
             ) -> tuple[bool, str]:
        result = place_call(self.settings.sip.bind, self.settings.hotline.number, caller,
                            tone(CALLER_TONE, self.base), talk_seconds,
                            local_ip=self.settings.sip.trunk_hosts[0], caller_name="测试客户",
                            headers={CLOCK_HEADER: WORKING_HOURS}, media_port=media_port)
        return result.completed, result.output

    def recording(self, record: dict[str, Any]) -> tuple[np.ndarray, int]:
        assert record["recording"] is not None, record["recording_error"]
        body = self.api.client.get(record["recording"]["url"])
        assert body.status_code == 200
        target = self.base / f"recording-{record['id']}.wav"
        target.write_bytes(body.content)
        return audio.load(target)

    def stop_phones(self) -> None:
        for phone in self.phones:
            phone.stop()
        self.phones.clear()


@pytest.fixture(scope="module")
def floor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Floor]:
    base = tmp_path_factory.mktemp("hold-transfer")
    music = base / "music"
    music.mkdir()
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", str(music / "tone.wav"), "synth",
                    "30", "sine", str(MUSIC_TONE), "vol", "0.3"], check=True, timeout=30)
    env = {
        **service_env(base, "test-transfer"),
        "HOTLINE_PROMPTS__CUSTOM_DIR": str(base / "prompts"),
        "HOTLINE_HOLD__MUSIC_DIR": str(music),
        "HOTLINE_HOLD__PASSAGE_SECONDS": str(PASSAGE),
    }
    settings = load_settings(CONFIG, environ=env)
    service = Service(CONFIG, env, settings, base / "service.log")
    service.start()
    ami = AmiObserver(settings)
    try:
        yield Floor(settings, ami, Api(settings), base)
    finally:
        ami.close()
        service.stop()


@pytest.fixture
def on_floor(floor: Floor) -> Iterator[Floor]:
    yield floor
    floor.stop_phones()


def _wait_reachable(floor: Floor, number: str, timeout: float = 10) -> None:
    from ivr.ami_actions import queue_status
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        members = floor.ami.act(queue_status(floor.ami.ami, "hotline"))
        if any(m.get("Name") == number and m.get("Status") not in ("4", "5") for m in members):
            return
        time.sleep(0.1)
    raise AssertionError(f"agent {number}'s phone did not become reachable in {timeout} s")


def _event(name: str, **fields: str) -> Callable[[dict[str, Any]], bool]:
    return lambda e: e.get("Event") == name and all(e.get(k) == v for k, v in fields.items())


def _ts(event: dict[str, Any]) -> float:
    return float(event["Timestamp"])


def _t(record: dict[str, Any], key: str) -> float:
    return datetime.fromisoformat(record[key]).timestamp()


def _share(x: np.ndarray, freq: float) -> float:
    return audio.tone_share(x.reshape(-1, 1), RATE, 0, 0, len(x) / RATE, freq)


def _level(x: np.ndarray) -> float:
    return audio.rms_dbfs(x.reshape(-1, 1), RATE, 0, 0, len(x) / RATE)


def _silent_seconds(data: np.ndarray, rate: int, channel: int, start: float, end: float
                    ) -> float:
    """The longest run of digital silence (exact zeros) in a window, in seconds: a tone
    share alone cannot see it (silence adds no energy to either side of the ratio)."""
    x = data[int(start * rate):int(end * rate), channel]
    longest = run = 0
    for sample in x == 0:
        run = run + 1 if sample else 0
        longest = max(longest, run)
    return longest / rate


def test_hold_plays_the_message_between_music_and_counts_hold_seconds(on_floor: Floor) -> None:
    """R9: the caller on hold hears the message, then music, then the message again, never
    silence and never the agent; hold_seconds is the hold's length (±1 s)."""
    floor = on_floor
    hold_for = 10.0
    floor.phone("1001", AGENT_TONE, mode="hold", hold_after="4000",
                hold_for=str(int(hold_for * 1000)))
    _wait_reachable(floor, "1001")
    caller_ip = floor.settings.sip.trunk_hosts[0]
    port = free_port(socket.SOCK_DGRAM, caller_ip)
    capture = RtpCapture(caller_ip, port, floor.base / "hold-caller.pcap").start()
    mark, since = floor.ami.mark(), time.time()
    try:
        completed, output = floor.call("13900000801", talk_seconds=22, media_port=port)
    finally:
        capture.stop()
    assert completed, output
    held = floor.ami.wait_for(mark, _event("Hold"))
    resumed = floor.ami.wait_for(mark, _event("Unhold"))
    record = floor.api.wait_record("13900000801", since)
    assert record["disposition"] == "answered" and record["agent"] == "1001"
    assert record["agents"] == ["1001"]
    assert abs(record["hold_seconds"] - hold_for) <= 1.0, record["hold_seconds"]
    assert abs(record["hold_seconds"] - (_ts(resumed) - _ts(held))) <= 0.1

    # What the caller received, on the wire, against Asterisk's own clock.
    heard, start = capture.audio()
    assert len(heard) > 10 * RATE

    def window(a: float, b: float) -> np.ndarray:
        return heard[int((a - start) * RATE):int((b - start) * RATE)]

    h0, h1 = _ts(held), _ts(resumed)
    message = _prompt_seconds(floor, "hold")
    assert 1.0 < message < PASSAGE + 3  # spoken text, short enough to repeat in the hold
    # Never the agent while on hold; the agent before and after it.
    assert _share(window(h0 + 0.3, h1 - 0.2), AGENT_TONE) < 0.02
    assert _share(window(h0 - 2.0, h0 - 0.2), AGENT_TONE) > 0.8
    assert _share(window(h1 + 0.5, h1 + 2.5), AGENT_TONE) > 0.8
    # The message first: speech (loud, no music, no agent) ...
    first = window(h0 + 0.3, h0 + message - 0.3)
    assert _level(first) > -35 and _share(first, MUSIC_TONE) < 0.1
    # ... then a passage of music ...
    music = window(h0 + message + 0.4, h0 + message + PASSAGE - 0.4)
    assert _share(music, MUSIC_TONE) > 0.8
    # ... then the message again (R9: repeated between passages).
    again = window(h0 + message + PASSAGE + 0.3, h0 + 2 * message + PASSAGE - 0.3)
    assert _level(again) > -35 and _share(again, MUSIC_TONE) < 0.1

    # The recording goes on through the hold: the caller on the left all along, the agent on
    # the right before and after, never during it.
    recorded = floor.ami.wait_for(mark, user_event("HotlineRecording"))
    data, rate = floor.recording(record)
    r0 = _ts(recorded)
    assert audio.tone_share(data, rate, 0, 1.0, h1 - r0 + 2.0, CALLER_TONE) > 0.8
    assert audio.tone_share(data, rate, 1, h0 - r0 - 1.5, h0 - r0 - 0.2, AGENT_TONE) > 0.8
    assert audio.tone_share(data, rate, 1, h0 - r0 + 0.3, h1 - r0 - 0.3, AGENT_TONE) < 0.02
    assert audio.tone_share(data, rate, 1, h1 - r0 + 0.5, h1 - r0 + 2.5, AGENT_TONE) > 0.8


def _prompt_seconds(floor: Floor, name: str) -> float:
    import soundfile as sf
    return float(sf.info(str(Instance.of(floor.settings).prompts / f"{name}.wav")).duration)


def test_blind_transfer_keeps_one_record_and_one_recording(on_floor: Floor) -> None:
    """Agent 1001 blind-transfers the caller to 1002 (REFER): one record, agents [1001, 1002],
    and the one recording has 1001's voice on the right before, 1002's after."""
    floor = on_floor
    # Linear strategy: the queue offers the call to 1001 first.
    floor.phone("1001", AGENT_TONE, mode="transfer", transfer_after="5000",
                transfer_to="1002")
    floor.phone("1002", OTHER_AGENT_TONE)
    _wait_reachable(floor, "1001")
    _wait_reachable(floor, "1002")
    caller_ip = floor.settings.sip.trunk_hosts[0]
    port = free_port(socket.SOCK_DGRAM, caller_ip)
    capture = RtpCapture(caller_ip, port, floor.base / "blind-caller.pcap").start()
    mark, since = floor.ami.mark(), time.time()
    try:
        completed, output = floor.call("13900000802", talk_seconds=24, media_port=port)
    finally:
        capture.stop()
    assert completed, output
    record = floor.api.wait_record("13900000802", since)

    # One call, one record, every agent who talked to the caller in order.
    calls = floor.api.client.get("/calls", params={"caller": "13900000802"}).json()
    assert calls["total"] == 1
    assert record["agent"] == "1001" and record["agents"] == ["1001", "1002"]
    assert record["disposition"] == "answered" and record["hold_seconds"] == 0.0
    assert record["hangup_by"] == "caller"  # the caller hung up on 1002, nobody at the transfer
    transfer = floor.ami.wait_for(mark, _event("BlindTransfer", Result="Success"))
    assert transfer["Extension"] == "1002" and transfer["Context"] == "hotline-transfer"
    floor.ami.wait_for(mark, user_event("HotlineTransfer", Target="1002"))
    b_up = floor.ami.wait_for(mark, lambda e: e.get("Event") == "BridgeEnter"
                              and e.get("Channel", "").startswith("PJSIP/1002-"))
    assert b_up["Linkedid"] == record["linkedid"]  # the colleague joined the same call
    # Talk runs from 1001's answer to the end, across the transfer; the wait is the queue's.
    assert abs(record["talk_seconds"] - (_t(record, "ended_at")
                                         - _t(record, "agent_answered_at"))) < 0.1
    assert record["talk_seconds"] > 15 and record["wait_seconds"] < 3

    # The caller heard 1002 as soon as 1002 answered (on the wire) ...
    heard, start = capture.audio()
    b_at, moved_at = _ts(b_up), _ts(transfer)
    def on_wire(a: float, b: float) -> np.ndarray:
        return heard[int((a - start) * RATE):int((b - start) * RATE)]
    assert _share(on_wire(b_at + 0.2, b_at + 2.0), OTHER_AGENT_TONE) > 0.8

    # ... and the one recording (caller left, who talks to the caller right) continues across
    # the transfer: 1001 before, the ringing, then 1002 as soon as 1002 answers. (Until the
    # caller's recorder was restarted at the transfer, Asterisk's translator dropped 1002's
    # frames as "late" RTP for 5 s: README "Hold and transfer (R9)".) The restart leaves out a
    # few tens of ms at the transfer, so the file's clock runs slightly behind the call's: the
    # windows keep a margin for it.
    recorded = floor.ami.wait_for(mark, user_event("HotlineRecording"))
    data, rate = floor.recording(record)
    assert record["recording"]["channels"] == 2
    r0, end = _ts(recorded), _t(record, "ended_at")
    assert abs(len(data) / rate - (end - r0)) < 1.0  # one file, the whole call
    a_in = _ts(floor.ami.wait_for(mark, lambda e: e.get("Event") == "BridgeEnter"
                                  and e.get("Channel", "").startswith("PJSIP/1001-")))
    before = (a_in - r0 + 0.3, moved_at - r0 - 0.2)
    first = (b_at - r0 + 0.5, b_at - r0 + 1.5)  # 1002 within half a second of answering
    after = (b_at - r0 + 0.5, end - r0 - 0.5)
    assert after[1] - after[0] > 5 and before[1] - before[0] > 1
    assert audio.tone_share(data, rate, 1, *before, AGENT_TONE) > 0.8
    assert audio.tone_share(data, rate, 1, *first, OTHER_AGENT_TONE) > 0.8
    assert audio.tone_share(data, rate, 1, *after, OTHER_AGENT_TONE) > 0.8
    # Never digital silence on either side from before the transfer to the end: the ringing
    # is recorded too (what the caller heard), and 1002 follows it at once.
    for channel in (0, 1):
        assert _silent_seconds(data, rate, channel, before[0], end - r0 - 0.5) < 0.2
    assert audio.tone_share(data, rate, 1, moved_at - r0 + 0.3, end - r0, AGENT_TONE) < 0.02
    assert audio.tone_share(data, rate, 0, 1.0, end - r0 - 0.5, CALLER_TONE) > 0.8


def test_blind_transfer_back_to_the_queue(on_floor: Floor) -> None:
    """Agent 1001 transfers the caller to the hotline number: back in the queue, 1002 takes
    it (1001's phone answers one call only). Still one record, agents [1001, 1002]."""
    floor = on_floor
    floor.phone("1001", AGENT_TONE, mode="transfer", calls=1, transfer_after="4000",
                transfer_to=floor.settings.hotline.number)
    floor.phone("1002", OTHER_AGENT_TONE)
    _wait_reachable(floor, "1001")
    _wait_reachable(floor, "1002")
    mark, since = floor.ami.mark(), time.time()
    completed, output = floor.call("13900000804", talk_seconds=26)
    assert completed, output
    record = floor.api.wait_record("13900000804", since)
    floor.ami.wait_for(mark, user_event("HotlineTransfer", Target="queue"))
    assert floor.api.client.get("/calls", params={"caller": "13900000804"}).json()["total"] == 1
    assert record["agent"] == "1001" and record["agents"] == ["1001", "1002"]
    assert record["disposition"] == "answered" and record["wait_seconds"] < 3
    again = [e for e in floor.ami.since(mark) if e.get("Event") == "AgentConnect"]
    assert [e["MemberName"] for e in again] == ["1001", "1002"]
    data, rate = floor.recording(record)
    recorded = floor.ami.wait_for(mark, user_event("HotlineRecording"))
    r0, end = _ts(recorded), _t(record, "ended_at")
    # 1002 on the right as soon as its phone is bridged (after the queue's announcement of
    # its 工号; the recorder restarted when the caller went back to the queue), and no
    # digital silence after it.
    b0 = _ts(floor.ami.wait_for(mark, lambda e: e.get("Event") == "BridgeEnter"
                                and e.get("Channel", "").startswith("PJSIP/1002-"))) - r0
    assert audio.tone_share(data, rate, 1, b0 + 0.5, b0 + 1.5, OTHER_AGENT_TONE) > 0.8
    assert audio.tone_share(data, rate, 1, b0 + 0.5, end - r0 - 0.5, OTHER_AGENT_TONE) > 0.8
    assert _silent_seconds(data, rate, 1, b0 + 0.5, end - r0 - 0.5) < 0.2


def test_a_colleague_who_does_not_answer_sends_the_caller_back(on_floor: Floor) -> None:
    """1002 lets the transfer ring out: the caller goes back to the queue and, nobody taking
    it there within max_wait, to voicemail; never dropped. One record, agents [1001]."""
    floor = on_floor
    floor.phone("1001", AGENT_TONE, mode="transfer", calls=1, transfer_after="4000",
                transfer_to="1002")
    floor.phone("1002", OTHER_AGENT_TONE, mode="noanswer")
    _wait_reachable(floor, "1001")
    _wait_reachable(floor, "1002")
    mark, since = floor.ami.mark(), time.time()
    wait = floor.settings.queue.ring_timeout + floor.settings.queue.max_wait
    completed, output = floor.call("13900000805", talk_seconds=wait + 16)
    assert completed, output  # the caller hung up itself: the hotline never dropped it
    end = floor.ami.wait_for(mark, user_event("HotlineTransferEnd", Target="1002"))
    assert end["Status"] == "NOANSWER"
    floor.ami.wait_for(mark, user_event("HotlineTransfer", Target="queue"))
    floor.ami.wait_for(mark, user_event("HotlineVoicemail"), timeout=wait + 10)
    record = floor.api.wait_record("13900000805", since)
    assert floor.api.client.get("/calls", params={"caller": "13900000805"}).json()["total"] == 1
    assert record["agent"] == "1001" and record["agents"] == ["1001"]
    assert record["hangup_by"] == "caller"


def test_attended_transfer_keeps_one_record(on_floor: Floor) -> None:
    """Agent 1001 holds the caller, calls 1002 from the phone, talks, completes the transfer
    (REFER with Replaces): one record with agents [1001, 1002], 1002 on the recording after."""
    floor = on_floor
    floor.phone("1001", AGENT_TONE, mode="attended", consult_after="5000",
                consult_for="3000", transfer_to="1002")
    floor.phone("1002", OTHER_AGENT_TONE)
    _wait_reachable(floor, "1001")
    _wait_reachable(floor, "1002")
    mark, since = floor.ami.mark(), time.time()
    completed, output = floor.call("13900000803", talk_seconds=26)
    assert completed, output
    record = floor.api.wait_record("13900000803", since)

    done = floor.ami.wait_for(mark, _event("AttendedTransfer", Result="Success"))
    consult = done["SecondTransfererLinkedid"]
    assert done["OrigTransfererLinkedid"] == record["linkedid"] != consult
    # One record: the consultation call (1001's phone calling 1002) is part of the caller's.
    assert floor.api.client.get("/calls", params={"caller": "13900000803"}).json()["total"] == 1
    own = floor.api.client.get("/calls", params={"caller": "1001"}).json()["items"]
    assert not [c for c in own if c["linkedid"] == consult]
    assert record["agent"] == "1001" and record["agents"] == ["1001", "1002"]
    assert record["disposition"] == "answered"
    held = floor.ami.wait_for(mark, _event("Hold", Linkedid=record["linkedid"]))
    assert abs(record["hold_seconds"] - (_ts(done) - _ts(held))) < 0.2
    assert 2.5 < record["hold_seconds"] < 6.0  # held while consulting 1002 (3 s + its ring)
    assert {leg["channel"].rsplit("-", 1)[0] for leg in record["legs"]} >= {
        "PJSIP/trunk", "PJSIP/1001", "PJSIP/1002"}

    # The one recording: 1001 before the hold, 1002 after the transfer, never 1001 again.
    recorded = floor.ami.wait_for(mark, user_event("HotlineRecording"))
    data, rate = floor.recording(record)
    r0, end, moved = _ts(recorded), _t(record, "ended_at"), _ts(done)
    a_in = _ts(floor.ami.wait_for(mark, lambda e: e.get("Event") == "BridgeEnter"
                                  and e.get("Channel", "").startswith("PJSIP/1001-")))
    assert audio.tone_share(data, rate, 1, a_in - r0 + 0.3, _ts(held) - r0 - 0.2,
                            AGENT_TONE) > 0.8
    assert audio.tone_share(data, rate, 1, moved - r0 + 2.0, end - r0 - 0.5,
                            OTHER_AGENT_TONE) > 0.8
    assert audio.tone_share(data, rate, 1, moved - r0 + 0.5, end - r0, AGENT_TONE) < 0.02
