"""One call made of real synthesized speech (espeak-ng, resampled to 8 kHz by sox).

The synthetic bursts in the other tests are tuned to look like speech; this checks that the VAD
settings hold on something that is speech, with its soft onsets and pauses between words.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import soundfile as sf
from recording_synth import SR, line_noise, to_int16, write_wav

from recordings.analysis import analyze_file

pytestmark = pytest.mark.skipif(
    shutil.which("espeak-ng") is None or shutil.which("sox") is None,
    reason="needs espeak-ng and sox on PATH to render real speech (apt-get install espeak-ng sox)",
)

# Looser than the synthetic tests' 0.15 s: the placed edges below are where the waveform
# crosses -40 dBFS, while the VAD hears a soft consonant onset or a fading final syllable a
# frame or two earlier or later than that, on top of frame quantisation and hangover
# (measured: within 0.11 s).
ESPEAK_TOLERANCE = 0.2
AUDIBLE_DBFS = -40.0

GREETING = "您好,客服中心,工号一零二三为您服务,请问有什么可以帮您?"
QUESTION = "我的账单这个月又错了。"
ANSWER = "好的,我帮您查一下这个月的账单,请您稍等一下。"
INTERRUPTION = "不对不对,是上个月的。"


def _render(text: str, out: Path) -> npt.NDArray[np.float64]:
    """Text to 8 kHz mono float, trimmed to where it is audible."""
    raw = out.with_suffix(".22k.wav")
    subprocess.run(["espeak-ng", "-v", "cmn", "-w", str(raw), text], check=True)
    # gain -6: espeak's peaks clip after resampling otherwise.
    subprocess.run(
        ["sox", str(raw), "-r", str(SR), "-c", "1", "-b", "16", str(out), "gain", "-6"],
        check=True,
    )
    speech, rate = sf.read(str(out), dtype="float64")
    assert rate == SR
    audible = np.flatnonzero(np.abs(speech) > 10 ** (AUDIBLE_DBFS / 20))
    return speech[audible[0] : audible[-1] + 1]


@pytest.fixture(scope="module")
def espeak_call(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list]]:
    work = tmp_path_factory.mktemp("espeak")
    greeting, question, answer, interruption = (
        _render(text, work / f"{name}.wav")
        for name, text in (
            ("greeting", GREETING),
            ("question", QUESTION),
            ("answer", ANSWER),
            ("interruption", INTERRUPTION),
        )
    )

    def length(x: npt.NDArray[np.float64]) -> float:
        return len(x) / SR

    g0 = 0.5
    q0 = g0 + length(greeting) + 0.4
    a0 = q0 + length(question) + 6.0  # six seconds of dead air before the answer
    i0 = a0 + 1.5  # the caller cuts in 1.5 s into the answer
    total = max(a0 + length(answer), i0 + length(interruption)) + 1.0
    rng = np.random.default_rng(41)
    channels = [line_noise(round(total * SR), rng) for _ in range(2)]
    placed: dict[str, list] = {"caller": [], "agent": []}
    for who, start, speech in (
        ("agent", g0, greeting),
        ("caller", q0, question),
        ("agent", a0, answer),
        ("caller", i0, interruption),
    ):
        a = round(start * SR)
        channels[0 if who == "caller" else 1][a : a + len(speech)] += speech
        placed[who].append((start, start + length(speech)))
    path = write_wav(work / "call.wav", to_int16(np.stack(channels, axis=1)))
    return path, placed


def test_espeak_call_flags(espeak_call: tuple[Path, dict[str, list]]) -> None:
    path, placed = espeak_call
    result = analyze_file(path)

    for who in ("caller", "agent"):
        found = [(s.start, s.end) for s in result.segments[who]]
        assert len(found) == len(placed[who]), (who, found, placed[who])
        for (fs, fe), (ps, pe) in zip(found, placed[who], strict=True):
            assert abs(fs - ps) <= ESPEAK_TOLERANCE and abs(fe - pe) <= ESPEAK_TOLERANCE, (
                who,
                found,
                placed[who],
            )

    question_end = placed["caller"][0][1]
    answer_start = placed["agent"][1][0]
    assert len(result.dead_air) == 1
    assert abs(result.dead_air[0].start - question_end) <= ESPEAK_TOLERANCE
    assert abs(result.dead_air[0].end - answer_start) <= ESPEAK_TOLERANCE

    assert result.overtalk is not None and len(result.overtalk) == 1
    overtalk = result.overtalk[0]
    assert overtalk.by == "caller"
    assert abs(overtalk.start - placed["caller"][1][0]) <= ESPEAK_TOLERANCE
    assert abs(overtalk.end - min(placed["caller"][1][1], placed["agent"][1][1])) <= (
        ESPEAK_TOLERANCE
    )

    assert result.first_agent_speech == pytest.approx(0.5, abs=ESPEAK_TOLERANCE)
