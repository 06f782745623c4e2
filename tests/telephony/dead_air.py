"""A real call with dead air, through the real Asterisk (R23's dead-air flag, the QA prefill
and the QA console need one): a SIPp caller speaks (espeak-ng's Mandarin, at 8 kHz), falls
silent for `gap` seconds and speaks again, to agent 1001's phone, which sends silence. The
service records it and flags the silence."""

from __future__ import annotations

import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from callsim import AgentPhone, place_call
from domain.policy import CLOCK_HEADER
from tests.telephony.conftest import WORKING_HOURS, Hotline, wait_member_reachable
from tests.telephony.ports import free_port

RATE = 8000
SENTENCE = "您好，我想查询一下我的账户余额，还有上个月的账单明细，请您帮我看一下"


@dataclass(frozen=True)
class DeadAirCall:
    caller: str
    speech_before: float  # seconds of the caller's stream before the gap
    gap: float
    speech_after: float
    # Each suite's own agent address: SIPp's media port is fixed per address, and other
    # suites on this machine may be using the usual one right now.
    agent_ip: str


def _speech(folder: Path) -> np.ndarray:
    wav, narrow = folder / "speech.wav", folder / "speech-8k.wav"
    subprocess.run(["espeak-ng", "-v", "cmn", "-s", "170", "-w", str(wav), SENTENCE],
                   check=True, capture_output=True, timeout=60)
    subprocess.run(["sox", str(wav), "-r", str(RATE), "-c", "1", str(narrow)],
                   check=True, capture_output=True, timeout=60)
    data, _ = sf.read(str(narrow), dtype="float64")
    return np.asarray(data)


def _fill(speech: np.ndarray, seconds: float) -> np.ndarray:
    n = int(seconds * RATE)
    return np.tile(speech, n // len(speech) + 1)[:n]


def _ulaw(path: Path, samples: np.ndarray) -> Path:
    """Raw u-law, what SIPp's rtp_stream sends as is."""
    sf.write(str(path), samples, RATE, format="RAW", subtype="ULAW")
    return path


def place_dead_air_call(hotline: Hotline, folder: Path, call: DeadAirCall) -> dict[str, Any]:
    """The finished call's record (recording attached, QA flags computed)."""
    speech = _speech(folder)
    caller_audio = _ulaw(folder / "caller.ul", np.concatenate([
        _fill(speech, call.speech_before), np.zeros(int(call.gap * RATE)),
        _fill(speech, call.speech_after)]))
    talk = call.speech_before + call.gap + call.speech_after
    silent = _ulaw(folder / "agent.ul", np.zeros(int((talk + 60) * RATE)))
    agent = hotline.settings.agent("1001")
    assert agent is not None
    phone = AgentPhone(hotline.sip, "1001", agent.password, call.agent_ip, silent,
                       port=free_port(socket.SOCK_DGRAM, call.agent_ip)).start()
    try:
        wait_member_reachable(hotline, "1001")
        assert phone.proc is not None and phone.proc.poll() is None, phone.proc
        since = time.time()
        result = place_call(hotline.sip, hotline.settings.hotline.number, call.caller,
                            caller_audio, talk + 2,
                            local_ip=hotline.settings.sip.trunk_hosts[0],
                            headers={CLOCK_HEADER: WORKING_HOURS})
        assert result.completed, result.output
        record = hotline.api.wait_record(call.caller, since)
    finally:
        phone.stop()
    assert record["agent"] == "1001" and record["recording"] is not None, {
        k: record[k] for k in ("route", "disposition", "ring_attempts", "talk_seconds")}
    return record
