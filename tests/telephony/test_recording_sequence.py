"""The recording keeps the agent whatever RTP sequence numbers the agent's phone uses (R11,
R18-R23: every call is recorded for QA), through the real Asterisk.

Why this needs a test of its own: MixMonitor converts what the caller hears (u-law) to slin
through one translation path per recorder, and Asterisk's translator drops a frame whose RTP
sequence number looks "late" against the last one it passed (README "Hold and transfer (R9)").
Frames keep the sending phone's numbers through bridges and Local channels. SIPp's
`rtp_stream` numbers its packets from near 0, so the other telephony tests never see what a
real phone does: start at a random number (RFC 3550), half of the time at 32768 or more,
sometimes just before the wrap. Here the agents' phones play a generated pcap
(callsim.rtp_tone) whose packets are numbered from a chosen start, and the recording must
hold the agent's tone on its right channel from the moment the agent is bridged:

- the first agent of a call (greeting, queue music, the 工号 announcement, then the agent)
  numbered from 100 (as SIPp), 40000, and 65300 (crossing the wrap a few seconds into the
  talk). Before the recorder was restarted at the agent's bridge ([hotline-recorder-connected])
  the agent was missing from the whole recording from 33000 up to 65000 (README);
- after a blind transfer, a colleague numbered far behind the first agent (by less than
  32768: the worst case for the late-packet check), and across the wrap."""

from __future__ import annotations

import socket
import time
from typing import Any

import numpy as np
import pytest

from callsim import AgentPhone, place_call, tone
from callsim.peers import rtp_tone
from callsim.wire import RATE, RtpCapture
from domain.policy import CLOCK_HEADER
from tests.telephony import audio
from tests.telephony.conftest import (
    AGENT_TONE,
    CALLER_TONE,
    PHONE_IPS,
    WORKING_HOURS,
    Hotline,
    wait_member_reachable,
)
from tests.telephony.harness import user_event
from tests.telephony.ports import free_port

pytestmark = pytest.mark.asterisk
OTHER_AGENT_TONE = 2000.0  # the colleague's voice, told apart from the first agent's


def _phone(hotline: Hotline, number: str, voice: float, first_seq: int, mode: str = "answer",
           **actions: str) -> AgentPhone:
    agent = hotline.settings.agent(number)
    assert agent is not None
    ip = PHONE_IPS[number]
    folder = hotline.base / f"seq-{number}-{first_seq}-{time.monotonic_ns()}"
    folder.mkdir()
    phone = AgentPhone(hotline.sip, number, agent.password, ip,
                       rtp_tone(voice, hotline.base, first_seq), mode=mode,
                       port=free_port(socket.SOCK_DGRAM, ip), actions=actions, workdir=folder)
    phone.start()
    return phone


def _call(hotline: Hotline, caller: str, talk_seconds: float
          ) -> tuple[dict[str, Any], np.ndarray, float]:
    """One call from the trunk in working hours; its record, and what the caller received on
    the wire (samples at 8 kHz, epoch time of the first)."""
    caller_ip = hotline.settings.sip.trunk_hosts[0]
    port = free_port(socket.SOCK_DGRAM, caller_ip)
    capture = RtpCapture(caller_ip, port, hotline.base / f"caller-{caller}.pcap").start()
    since = time.time()
    try:
        result = place_call(hotline.sip, hotline.settings.hotline.number, caller,
                            tone(CALLER_TONE, hotline.base), talk_seconds, local_ip=caller_ip,
                            caller_name="测试客户", headers={CLOCK_HEADER: WORKING_HOURS},
                            media_port=port)
    finally:
        capture.stop()
    assert result.completed, result.output
    heard, start = capture.audio()
    return hotline.api.wait_record(caller, since), heard, start


def _on_wire(heard: np.ndarray, start: float, a: float, b: float, freq: float) -> float:
    x = heard[int((a - start) * RATE):int((b - start) * RATE)]
    return audio.tone_share(x.reshape(-1, 1), RATE, 0, 0, len(x) / RATE, freq)


def _bridged(hotline: Hotline, mark: int, number: str) -> float:
    """When the agent's phone channel entered the bridge with the caller (Asterisk's clock)."""
    event = hotline.ami.wait_for(mark, lambda e: e.get("Event") == "BridgeEnter"
                                 and e.get("Channel", "").startswith(f"PJSIP/{number}-"))
    return float(event["Timestamp"])


def _recording(hotline: Hotline, record: dict[str, Any]) -> tuple[np.ndarray, int]:
    assert record["recording"] is not None, record["recording_error"]
    body = hotline.api.client.get(record["recording"]["url"])
    assert body.status_code == 200
    target = hotline.base / f"recording-{record['id']}.wav"
    target.write_bytes(body.content)
    return audio.load(target)


def _longest_silence(data: np.ndarray, rate: int, channel: int, start: float, end: float
                     ) -> float:
    """The longest run of digital silence (exact zeros) in a window, in seconds: what a dropped
    stream leaves in the file (a tone share alone cannot see it)."""
    x = data[int(start * rate):int(end * rate), channel] == 0
    longest = run = 0
    for zero in x:
        run = run + 1 if zero else 0
        longest = max(longest, run)
    return longest / rate


@pytest.mark.parametrize("first_seq", [100, 40000, 65300])
def test_first_agent_with_high_sequence_numbers_is_recorded(hotline: Hotline, first_seq: int
                                                            ) -> None:
    """Greeting, queue, the 工号 announcement, then agent 1001 whose RTP is numbered from
    `first_seq`: 1001 on the right channel within half a second of being bridged and to the
    end, no digital silence on the right after it; the caller on the left all along."""
    phone = _phone(hotline, "1001", AGENT_TONE, first_seq)
    try:
        wait_member_reachable(hotline, "1001")
        mark = hotline.ami.mark()
        record, heard, start = _call(hotline, f"139{first_seq:08d}", talk_seconds=14)
    finally:
        phone.stop()
    assert record["disposition"] == "answered" and record["agent"] == "1001"
    recorded = hotline.ami.wait_for(mark, user_event("HotlineRecording"))
    data, rate = _recording(hotline, record)
    r0 = float(recorded["Timestamp"])
    end = len(data) / rate
    bridged = _bridged(hotline, mark, "1001")
    # The caller hears the agent at once (on the wire): the phone's stream is fine.
    assert _on_wire(heard, start, bridged + 0.5, bridged + 5.0, AGENT_TONE) > 0.8
    a_in = bridged - r0
    assert end - a_in > 8  # the talk is in the file
    assert audio.tone_share(data, rate, 1, a_in + 0.5, a_in + 1.5, AGENT_TONE) > 0.8
    assert audio.tone_share(data, rate, 1, a_in + 0.5, end - 0.5, AGENT_TONE) > 0.8
    assert _longest_silence(data, rate, 1, a_in + 0.5, end - 0.5) < 0.2
    assert audio.tone_share(data, rate, 0, 1.0, end - 0.5, CALLER_TONE) > 0.8


@pytest.mark.parametrize(("first_seq", "colleague_seq"), [(40000, 30000), (65500, 65000)])
def test_colleague_after_a_blind_transfer_is_recorded(hotline: Hotline, first_seq: int,
                                                      colleague_seq: int) -> None:
    """1001 (numbered from `first_seq`) blind-transfers the caller to 1002, whose numbers are
    behind 1001's by less than 32768 (what the late-packet check drops): 1002 on the right
    within half a second of answering and to the end."""
    first = _phone(hotline, "1001", AGENT_TONE, first_seq, mode="transfer",
                   transfer_after="7000", transfer_to="1002")
    colleague = _phone(hotline, "1002", OTHER_AGENT_TONE, colleague_seq)
    try:
        wait_member_reachable(hotline, "1001")
        wait_member_reachable(hotline, "1002")
        mark = hotline.ami.mark()
        record, heard, start = _call(hotline, f"138{first_seq:08d}", talk_seconds=22)
    finally:
        first.stop()
        colleague.stop()
    assert record["agents"] == ["1001", "1002"]
    recorded = hotline.ami.wait_for(mark, user_event("HotlineRecording"))
    data, rate = _recording(hotline, record)
    r0 = float(recorded["Timestamp"])
    end = len(data) / rate
    a_in = _bridged(hotline, mark, "1001") - r0
    b_at = _bridged(hotline, mark, "1002")
    assert _on_wire(heard, start, b_at + 0.5, b_at + 5.0, OTHER_AGENT_TONE) > 0.8
    b_in = b_at - r0
    assert b_in - a_in > 4 and end - b_in > 6
    assert audio.tone_share(data, rate, 1, a_in + 0.5, b_in - 2.0, AGENT_TONE) > 0.8
    assert audio.tone_share(data, rate, 1, b_in + 0.5, b_in + 1.5, OTHER_AGENT_TONE) > 0.8
    assert audio.tone_share(data, rate, 1, b_in + 0.5, end - 0.5, OTHER_AGENT_TONE) > 0.8
    assert _longest_silence(data, rate, 1, b_in + 0.5, end - 0.5) < 0.2


def test_colleague_after_an_attended_transfer_is_recorded(hotline: Hotline) -> None:
    """1001 (numbered from 100, as SIPp) holds the caller, calls 1002 (numbered from 40000:
    ahead of 1001's by more than 32768, which the late-packet check takes for late), then
    completes the transfer: 1002 on the right from shortly after the transfer to the end. No
    dialplan runs on the caller's channel here; what restarts its recorder is the
    connected-line update of the transfer ([hotline-recorder-connected])."""
    first = _phone(hotline, "1001", AGENT_TONE, 100, mode="attended",
                   consult_after="6000", consult_for="3000", transfer_to="1002")
    colleague = _phone(hotline, "1002", OTHER_AGENT_TONE, 40000)
    try:
        wait_member_reachable(hotline, "1001")
        wait_member_reachable(hotline, "1002")
        mark = hotline.ami.mark()
        record, heard, start = _call(hotline, "13700040000", talk_seconds=26)
    finally:
        first.stop()
        colleague.stop()
    assert record["agents"] == ["1001", "1002"]
    done = hotline.ami.wait_for(mark, lambda e: e.get("Event") == "AttendedTransfer"
                                and e.get("Result") == "Success")
    moved = float(done["Timestamp"])
    assert _on_wire(heard, start, moved + 1.0, moved + 5.0, OTHER_AGENT_TONE) > 0.8
    recorded = hotline.ami.wait_for(mark, user_event("HotlineRecording"))
    data, rate = _recording(hotline, record)
    r0 = float(recorded["Timestamp"])
    end = len(data) / rate
    a_in = _bridged(hotline, mark, "1001") - r0
    assert audio.tone_share(data, rate, 1, a_in + 0.5, a_in + 3.0, AGENT_TONE) > 0.8
    after = (moved - r0 + 1.0, end - 0.5)
    assert after[1] - after[0] > 5
    assert audio.tone_share(data, rate, 1, *after, OTHER_AGENT_TONE) > 0.8
    assert _longest_silence(data, rate, 1, *after) < 0.2
