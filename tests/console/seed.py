"""One real call with dead air, through the real Asterisk (as tests/telephony/test_qa_prefill.py
makes one): a SIPp caller speaks, falls silent for ten seconds, speaks again, to agent 1001's
phone that sends silence; the service records it and flags the silence."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from callsim import AgentPhone, place_call
from domain.policy import CLOCK_HEADER
from tests.telephony.conftest import WORKING_HOURS, Hotline, wait_member_reachable
from tests.telephony.ports import free_port

RATE = 8000
SPEECH_BEFORE, GAP, SPEECH_AFTER = 8.0, 10.0, 8.0  # seconds of the caller's stream
CALLER = "13900000088"


def _speech(folder: Path) -> np.ndarray:
    wav, narrow = folder / "speech.wav", folder / "speech-8k.wav"
    subprocess.run(["espeak-ng", "-v", "cmn", "-s", "170", "-w", str(wav),
                    "您好，我想查询一下我的账户余额，还有上个月的账单明细"],
                   check=True, capture_output=True, timeout=60)
    subprocess.run(["sox", str(wav), "-r", str(RATE), "-c", "1", str(narrow)],
                   check=True, capture_output=True, timeout=60)
    data, _ = sf.read(str(narrow), dtype="float64")
    return np.asarray(data)


def _fill(speech: np.ndarray, seconds: float) -> np.ndarray:
    n = int(seconds * RATE)
    return np.tile(speech, n // len(speech) + 1)[:n]


def _ulaw(path: Path, samples: np.ndarray) -> Path:
    sf.write(str(path), samples, RATE, format="RAW", subtype="ULAW")
    return path


def place_dead_air_call(hotline: Hotline, folder: Path) -> dict[str, Any]:
    """The finished call's record (recording attached, QA flags computed)."""
    speech = _speech(folder)
    caller_audio = _ulaw(folder / "caller.ul", np.concatenate([
        _fill(speech, SPEECH_BEFORE), np.zeros(int(GAP * RATE)), _fill(speech, SPEECH_AFTER)]))
    silent = _ulaw(folder / "agent.ul", np.zeros(90 * RATE))
    agent = hotline.settings.agent("1001")
    assert agent is not None
    ip = "127.0.0.73"  # an address of this suite's own: SIPp's media port is fixed per address
    phone = AgentPhone(hotline.sip, "1001", agent.password, ip, silent,
                       port=free_port(socket.SOCK_DGRAM, ip)).start()
    try:
        wait_member_reachable(hotline, "1001")
        since = time.time()
        result = place_call(hotline.sip, hotline.settings.hotline.number, CALLER, caller_audio,
                            SPEECH_BEFORE + GAP + SPEECH_AFTER + 2,
                            local_ip=hotline.settings.sip.trunk_hosts[0],
                            headers={CLOCK_HEADER: WORKING_HOURS})
        assert result.completed, result.output
        record = hotline.api.wait_record(CALLER, since)
    finally:
        phone.stop()
    assert record["agent"] == "1001" and record["recording"] is not None, record
    return record
