"""R23 through the real Asterisk: a SIPp caller speaks, falls silent for ten seconds, speaks
again, to an agent phone that sends silence. The recording analysis flags the silence as dead
air, and GET /qa/reviews/prefill hands the reviewer an evidence span that covers it, where the
recording itself is silent on both channels."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from callsim import AgentPhone, place_call
from domain.policy import CLOCK_HEADER
from tests.telephony import audio
from tests.telephony.conftest import WORKING_HOURS, Hotline, wait_member_reachable
from tests.telephony.ports import free_port

pytestmark = pytest.mark.asterisk

RATE = 8000
SPEECH_BEFORE, GAP, SPEECH_AFTER = 14.0, 10.0, 16.0  # seconds of the caller's stream


def _speech(folder: Path) -> np.ndarray:
    wav, narrow = folder / "speech.wav", folder / "speech-8k.wav"
    subprocess.run(["espeak-ng", "-v", "cmn", "-s", "170", "-w", str(wav),
                    "您好，我想查询一下我的账户余额，还有上个月的账单明细，请您帮我看一下"],
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


def test_prefill_evidence_covers_a_long_silence(hotline: Hotline, tmp_path: Path) -> None:
    speech = _speech(tmp_path)
    caller_audio = _ulaw(tmp_path / "caller.ul", np.concatenate([
        _fill(speech, SPEECH_BEFORE), np.zeros(int(GAP * RATE)), _fill(speech, SPEECH_AFTER)]))
    silent = _ulaw(tmp_path / "agent.ul", np.zeros(120 * RATE))
    agent = hotline.settings.agent("1001")
    assert agent is not None
    # Not the suite's usual 127.0.0.21: SIPp's media port is fixed per address, and other
    # suites on this machine may be using that one right now.
    ip = "127.0.0.71"
    phone = AgentPhone(hotline.sip, "1001", agent.password, ip, silent,
                       port=free_port(socket.SOCK_DGRAM, ip)).start()
    try:
        wait_member_reachable(hotline, "1001")
        assert phone.proc is not None and phone.proc.poll() is None, phone.proc
        since = time.time()
        result = place_call(hotline.sip, hotline.settings.hotline.number, "13900000077",
                            caller_audio, 30, local_ip=hotline.settings.sip.trunk_hosts[0],
                            headers={CLOCK_HEADER: WORKING_HOURS})
        assert result.completed, result.output
        record = hotline.api.wait_record("13900000077", since)
    finally:
        phone.stop()
    assert record["agent"] == "1001" and record["recording"] is not None, {
        k: record[k] for k in ("route", "disposition", "ring_attempts", "talk_seconds")}

    response = hotline.api.client.get("/qa/reviews/prefill",
                                      params={"call_id": record["id"], "form": "r23"})
    assert response.status_code == 200, response.text
    prefill = response.json()
    spans = [e for e in prefill["evidence"] if e["kind"] == "dead_air"]
    # The caller's stream starts at the IVR's answer, as the recording does: the gap is at
    # 14-24 s of both, give or take the RTP start and a VAD frame.
    covering = [s for s in spans if s["start"] <= SPEECH_BEFORE + 1.5
                and s["end"] >= SPEECH_BEFORE + GAP - 1.5]
    assert covering, (spans, record["qa_flags"])
    span = covering[0]
    assert span["end"] - span["start"] <= GAP + 2.0
    dead_air = next(i for i in prefill["items"] if i["id"] == "dead_air")
    assert dead_air["points"] == 0
    assert (span["start"], span["end"]) in [(e["start"], e["end"]) for e in dead_air["evidence"]]

    # What the recording holds: silence on both channels inside the span, speech before it.
    body = hotline.api.client.get(record["recording"]["url"])
    assert body.status_code == 200
    wav = tmp_path / "recording.wav"
    wav.write_bytes(body.content)
    data, rate = audio.load(wav)
    for channel in (0, 1):
        assert audio.rms_dbfs(data, rate, channel, span["start"] + 0.5, span["end"] - 0.5) < -50
    assert audio.rms_dbfs(data, rate, 0, span["start"] - 4, span["start"] - 0.5) > -35
