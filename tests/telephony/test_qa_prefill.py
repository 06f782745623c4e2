"""R23 through the real Asterisk: a SIPp caller speaks, falls silent for ten seconds, speaks
again, to an agent phone that sends silence. The recording analysis flags the silence as dead
air, and GET /qa/reviews/prefill hands the reviewer an evidence span that covers it, where the
recording itself is silent on both channels."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.telephony import audio
from tests.telephony.conftest import Hotline
from tests.telephony.dead_air import DeadAirCall, place_dead_air_call

pytestmark = pytest.mark.asterisk

CALL = DeadAirCall("13900000077", speech_before=14.0, gap=10.0, speech_after=6.0,
                   agent_ip="127.0.0.71")
SPEECH_BEFORE, GAP = CALL.speech_before, CALL.gap


def test_prefill_evidence_covers_a_long_silence(hotline: Hotline, tmp_path: Path) -> None:
    record = place_dead_air_call(hotline, tmp_path, CALL)

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
