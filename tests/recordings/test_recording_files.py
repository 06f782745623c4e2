"""Reading files: good ones are analysed, malformed ones give a named error, never a crash."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from recording_synth import SR, build_call, build_mono, write_wav

from recordings.analysis import (
    RecordingAnalysisError,
    analyze_file,
    analyze_for_call,
)
from recordings.analysis import service as service_module
from recordings.analysis.errors import (
    EmptyAudioError,
    NotAudioError,
    RecordingUnreadableError,
    TruncatedAudioError,
    UnsupportedChannelCountError,
    UnsupportedSampleRateError,
)

CALLER = [(0.5, 4.0), (13.0, 16.0)]
AGENT = [(4.3, 7.0)]


@pytest.fixture
def good_wav(tmp_path: Path) -> Path:
    return write_wav(tmp_path / "call.wav", build_call(17.0, CALLER, AGENT, seed=21))


def test_stereo_wav_file(good_wav: Path) -> None:
    result = analyze_file(good_wav)
    d = result.to_dict()
    assert d["file"] == str(good_wav)
    assert d["channels"] == 2
    assert d["duration_seconds"] == 17.0
    assert len(d["dead_air"]) == 1
    assert d["dead_air"][0]["start"] == pytest.approx(7.0, abs=0.15)
    assert d["dead_air"][0]["end"] == pytest.approx(13.0, abs=0.15)


def test_mono_wav_file(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "mono.wav", build_mono(10.0, [(0.5, 3.0)], seed=22))
    d = analyze_file(path).to_dict()
    assert d["channels"] == 1
    assert list(d["speech_seconds"]) == ["mixed"]
    assert d["talk_ratio"] is None


def test_telephone_ulaw_wav_is_read(tmp_path: Path) -> None:
    # Asterisk can record G.711 straight into WAV; libsndfile decodes it to 16-bit for us.
    path = tmp_path / "ulaw.wav"
    sf.write(str(path), build_call(17.0, CALLER, AGENT, seed=21), SR, subtype="ULAW")
    assert len(analyze_file(path).dead_air) == 1


def _truncated(tmp_path: Path, good_wav: Path) -> Path:
    data = good_wav.read_bytes()
    path = tmp_path / "cut.wav"
    path.write_bytes(data[: len(data) // 2 + 1])  # cut mid-sample, as a failed copy would
    return path


def test_soundfile_reads_a_truncated_wav_silently(tmp_path: Path, good_wav: Path) -> None:
    # Documents why the truncation check exists: libsndfile does not raise.
    data, _ = sf.read(str(_truncated(tmp_path, good_wav)))
    assert 0 < len(data) < 17 * SR


@pytest.mark.parametrize(
    ("make", "error", "words"),
    [
        (
            lambda d, g: _write(d / "notes.wav", b"this is a text file, not audio\n" * 20),
            NotAudioError,
            "not a readable audio file",
        ),
        (lambda d, g: _truncated(d, g), TruncatedAudioError, "truncated"),
        (lambda d, g: _write(d / "empty.wav", b""), EmptyAudioError, "empty"),
        (
            lambda d, g: write_wav(d / "header_only.wav", np.zeros((0, 2), np.int16)),
            EmptyAudioError,
            "no audio frames",
        ),
        (
            lambda d, g: write_wav(d / "cd.wav", np.zeros((4410, 2), np.int16), 44100),
            UnsupportedSampleRateError,
            "44100 Hz",
        ),
        (
            lambda d, g: write_wav(d / "three.wav", np.zeros((800, 3), np.int16)),
            UnsupportedChannelCountError,
            "3 channels",
        ),
        (lambda d, g: d / "missing.wav", RecordingUnreadableError, "cannot open"),
    ],
    ids=["not-audio", "truncated", "empty", "header-only", "44k1", "3-channels", "missing"],
)
def test_malformed_input_raises_a_named_error(
    tmp_path: Path, good_wav: Path, make, error: type[RecordingAnalysisError], words: str
) -> None:
    path = make(tmp_path, good_wav)
    with pytest.raises(error) as info:
        analyze_file(path)
    message = str(info.value)
    assert str(path) in message and words in message
    assert isinstance(info.value, RecordingAnalysisError)
    # The bridge's entry point reports the same problem without raising.
    report = analyze_for_call(path)
    assert report["error"] == message
    assert report["error_type"] == error.__name__
    assert report["file"] == str(path)


def _write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


def test_analyze_for_call_returns_the_result_dict(good_wav: Path) -> None:
    report = analyze_for_call(good_wav, excluded_spans=[(7.0, 13.0)])
    assert "error" not in report
    assert report["dead_air"] == []
    assert report["excluded"] == [{"start": 7.0, "end": 13.0}]


def test_analyze_for_call_survives_an_unexpected_bug(
    good_wav: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(service_module, "analyze_samples", broken)
    with caplog.at_level(logging.ERROR):
        report = analyze_for_call(good_wav)
    assert report["error_type"] == "ZeroDivisionError"
    assert str(good_wav) in report["error"] and "boom" in report["error"]
    assert "crashed" in caplog.text


def test_analyze_for_call_reports_a_bad_excluded_span(good_wav: Path) -> None:
    report = analyze_for_call(good_wav, excluded_spans=[(9.0, 8.0)])
    assert report["error_type"] == "ValueError"
    assert "ends before it starts" in report["error"]
