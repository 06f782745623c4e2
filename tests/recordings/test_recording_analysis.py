"""Scenario tests: synthetic calls with speech placed at known times; the flags must match."""

from __future__ import annotations

import dataclasses
import tomllib

import numpy as np
import pytest
from recording_synth import SR, build_call, build_mono, speech_like, to_int16

from recordings.analysis import AnalysisConfig, AnalysisResult, TimeSpan, analyze_samples

# How far a found edge may sit from the placed one, in seconds: 2 frames of 30 ms for frame
# quantisation (one at each end of a placed span can be cut mid-frame) plus 3 frames of
# webrtcvad hangover, which keeps "speech" on for up to 90 ms after the sound stops.
# Measured on these signals: onsets within 20 ms, ends 100-130 ms late.
FRAME = 0.03
TOLERANCE = 2 * FRAME + 3 * FRAME

CFG = AnalysisConfig()


def spans(found: tuple[TimeSpan, ...] | None) -> list[tuple[float, float]]:
    assert found is not None
    return [(s.start, s.end) for s in found]


def assert_spans_match(
    found: list[tuple[float, float]], placed: list[tuple[float, float]], tol: float = TOLERANCE
) -> None:
    assert len(found) == len(placed), f"found {found}, placed {placed}"
    for (fs, fe), (ps, pe) in zip(found, placed, strict=True):
        assert abs(fs - ps) <= tol and abs(fe - pe) <= tol, f"found {found}, placed {placed}"


def test_clean_call_has_no_flags() -> None:
    caller = [(0.5, 4.0), (8.4, 12.0)]
    agent = [(4.3, 8.0), (12.3, 16.0)]
    result = analyze_samples(build_call(17.0, caller, agent, seed=1), SR)
    assert result.dead_air == ()
    assert result.overtalk == ()
    assert_spans_match(spans(result.segments["caller"]), caller)
    assert_spans_match(spans(result.segments["agent"]), agent)
    assert result.channels == 2
    assert result.duration_seconds == pytest.approx(17.0)
    assert result.first_agent_speech == pytest.approx(4.3, abs=TOLERANCE)
    # Each segment may be long by up to one tolerance in total; the ratio must stay near 0.5.
    caller_s, agent_s = 3.5 + 3.6, 3.7 + 3.7
    assert result.speech_seconds["caller"] == pytest.approx(caller_s, abs=2 * TOLERANCE)
    assert result.speech_seconds["agent"] == pytest.approx(agent_s, abs=2 * TOLERANCE)
    assert result.talk_ratio == pytest.approx(agent_s / (caller_s + agent_s), abs=0.02)
    assert result.total_speech_seconds == pytest.approx(caller_s + agent_s, abs=4 * TOLERANCE)


def test_six_seconds_of_dead_air_in_the_middle_is_flagged() -> None:
    caller = [(0.5, 4.0), (13.0, 16.0)]
    agent = [(4.3, 7.0)]
    result = analyze_samples(build_call(17.0, caller, agent, seed=2), SR)
    assert_spans_match(spans(result.dead_air), [(7.0, 13.0)])
    assert result.dead_air[0].seconds == pytest.approx(6.0, abs=TOLERANCE)
    assert result.overtalk == ()


def test_four_seconds_of_silence_is_not_dead_air() -> None:
    caller = [(0.5, 4.0), (11.0, 14.0)]
    agent = [(4.3, 7.0)]
    result = analyze_samples(build_call(15.0, caller, agent, seed=3), SR)
    assert result.dead_air == ()
    # The silence is really there and seen; it is only below the R23 threshold.
    assert_spans_match(spans(result.segments["caller"]), caller)


def test_dead_air_threshold_comes_from_config() -> None:
    caller = [(0.5, 4.0), (11.0, 14.0)]
    agent = [(4.3, 7.0)]
    config = dataclasses.replace(CFG, dead_air_min_seconds=3.0)
    result = analyze_samples(build_call(15.0, caller, agent, seed=3), SR, config)
    assert_spans_match(spans(result.dead_air), [(7.0, 11.0)])


def test_agent_talking_over_the_caller_mid_sentence() -> None:
    caller = [(0.5, 6.0)]
    agent = [(3.5, 8.0)]
    result = analyze_samples(build_call(9.0, caller, agent, seed=4), SR)
    assert result.overtalk is not None
    assert_spans_match(spans(result.overtalk), [(3.5, 6.0)])
    assert [o.by for o in result.overtalk] == ["agent"]
    assert result.to_dict()["overtalk"][0]["by"] == "agent"


def test_caller_interrupting_the_agent() -> None:
    caller = [(3.0, 7.5)]
    agent = [(0.5, 6.0)]
    result = analyze_samples(build_call(9.0, caller, agent, seed=5), SR)
    assert result.overtalk is not None
    assert_spans_match(spans(result.overtalk), [(3.0, 6.0)])
    assert [o.by for o in result.overtalk] == ["caller"]


def test_short_backchannel_overlap_is_not_overtalk() -> None:
    # "嗯" from the caller while the agent talks: 0.5 s of overlap, under the 1 s default.
    caller = [(3.0, 3.5)]
    agent = [(0.5, 6.0)]
    result = analyze_samples(build_call(7.0, caller, agent, seed=6), SR)
    assert result.overtalk == ()
    assert_spans_match(spans(result.segments["caller"]), caller)


def test_line_noise_only_is_no_speech() -> None:
    result = analyze_samples(build_call(10.0, [], [], seed=7), SR)
    assert result.segments == {"caller": (), "agent": ()}
    assert result.speech_seconds == {"caller": 0.0, "agent": 0.0}
    assert result.talk_ratio is None
    assert result.first_agent_speech is None
    assert result.overtalk == ()
    # The whole call is silence, which R23 counts as dead air...
    assert spans(result.dead_air) == [(0.0, 10.0)]
    # ...unless edge silence is configured out; then nothing is left.
    no_edges = dataclasses.replace(CFG, dead_air_at_edges=False)
    assert analyze_samples(build_call(10.0, [], [], seed=7), SR, no_edges).dead_air == ()


@pytest.mark.parametrize("noise_dbfs", [-60.0, -50.0])
def test_line_noise_levels_are_not_speech(noise_dbfs: float) -> None:
    from recording_synth import line_noise

    rng = np.random.default_rng(8)
    stereo = np.stack([line_noise(SR * 8, rng, noise_dbfs) for _ in range(2)], axis=1)
    result = analyze_samples(to_int16(stereo), SR)
    assert result.speech_seconds == {"caller": 0.0, "agent": 0.0}


def test_digital_silence_does_not_turn_line_noise_into_speech() -> None:
    # A muted leg or hold without music records exact zeros. Without the VAD floor, webrtcvad
    # takes zero as the noise level and calls the line noise that follows speech for seconds.
    caller = [(3.0, 6.0), (12.0, 15.0)]
    agent = [(6.5, 9.0)]
    audio = build_call(20.0, caller, agent, seed=1)
    audio[: 1 * SR] = 0  # recording starts before the line is connected
    audio[round(9.5 * SR) : 11 * SR] = 0  # both legs muted for 1.5 s
    result = analyze_samples(audio, SR)
    assert_spans_match(spans(result.segments["caller"]), caller)
    assert_spans_match(spans(result.segments["agent"]), agent)


@pytest.mark.parametrize("level_dbfs", [-40.0, -10.0])
def test_quiet_and_loud_speech_are_both_found(level_dbfs: float) -> None:
    from recording_synth import SPEECH_DBFS, line_noise

    rng = np.random.default_rng(16)
    x = line_noise(8 * SR, rng)
    x[2 * SR : 6 * SR] += speech_like(4.0, rng) * 10 ** ((level_dbfs - SPEECH_DBFS) / 20)
    result = analyze_samples(to_int16(x), SR)
    assert_spans_match(spans(result.segments["mixed"]), [(2.0, 6.0)])


def test_click_is_not_speech_and_a_breath_does_not_split_a_segment() -> None:
    rng = np.random.default_rng(9)
    x = build_call(12.0, [(0.5, 3.0), (3.35, 5.0)], [], seed=9).astype(np.float64) / 32767
    # A 5 ms line click at -6 dBFS, far from any speech.
    click_at = int(9.0 * SR)
    x[click_at : click_at + 40, 0] += 0.5 * rng.choice([-1.0, 1.0], 40)
    result = analyze_samples(x, SR)
    # 0.35 s breath bridged (below merge_gap_seconds), click dropped (below min_speech_seconds).
    assert_spans_match(spans(result.segments["caller"]), [(0.5, 5.0)])


def test_mono_recording_gets_only_single_channel_measures() -> None:
    placed = [(0.5, 4.0), (11.0, 14.0)]
    result = analyze_samples(build_mono(15.0, placed, seed=10), SR)
    assert result.channels == 1
    assert_spans_match(spans(result.segments["mixed"]), placed)
    assert_spans_match(spans(result.dead_air), [(4.0, 11.0)])
    assert result.overtalk is None
    assert result.talk_ratio is None
    assert result.first_agent_speech is None
    d = result.to_dict()
    assert set(d["speech_seconds"]) == {"mixed"}
    assert d["talk_ratio"] is None and d["overtalk"] is None


def test_excluded_hold_music_span_suppresses_dead_air() -> None:
    caller = [(0.5, 4.0), (16.0, 18.0)]
    agent = [(4.3, 6.0), (16.5, 19.0)]
    audio = build_call(20.0, caller, agent, seed=11)
    assert_spans_match(spans(analyze_samples(audio, SR).dead_air), [(6.0, 16.0)])
    # Hold from 6.5 s to 15.5 s: the 0.5 s either side are not dead air.
    held = analyze_samples(audio, SR, excluded_spans=[(6.5, 15.5)])
    assert held.dead_air == ()
    assert spans(held.excluded) == [(6.5, 15.5)]
    # A short hold leaves a long silence after it, which is still flagged.
    short_hold = analyze_samples(audio, SR, excluded_spans=[(6.0, 8.0)])
    assert_spans_match(spans(short_hold.dead_air), [(8.0, 16.0)])


def test_excluded_span_removes_prompt_from_agent_speech_and_overtalk() -> None:
    # A prompt plays on the agent channel 0.5-3.5 s while the caller barges in; the agent
    # really starts at 6 s.
    caller = [(1.5, 5.0)]
    agent = [(0.5, 3.5), (6.0, 9.0)]
    audio = build_call(10.0, caller, agent, seed=12)
    plain = analyze_samples(audio, SR)
    assert plain.overtalk is not None and len(plain.overtalk) == 1
    result = analyze_samples(audio, SR, excluded_spans=[(0.0, 3.6)])
    assert result.overtalk == ()
    assert result.first_agent_speech == pytest.approx(6.0, abs=TOLERANCE)
    # Segments report what was heard; the measures leave the prompt out.
    assert_spans_match(spans(result.segments["agent"]), agent)
    assert result.speech_seconds["agent"] == pytest.approx(3.0, abs=TOLERANCE)


def test_wideband_16k_is_analysed_at_its_own_rate() -> None:
    caller = [(0.5, 4.0)]
    agent = [(3.0, 8.0)]
    result = analyze_samples(build_call(9.0, caller, agent, seed=13, sr=16000), 16000)
    assert result.sample_rate == 16000
    assert_spans_match(spans(result.overtalk), [(3.0, 4.0)])


def test_float_input_matches_int16_input() -> None:
    audio = build_call(9.0, [(0.5, 4.0)], [(4.5, 8.0)], seed=14)
    as_int = analyze_samples(audio, SR)
    as_float = analyze_samples(audio.astype(np.float32) / 32768.0, SR)
    assert as_int.to_dict() == as_float.to_dict()


def test_to_dict_is_rounded_json_shape() -> None:
    result = analyze_samples(build_call(9.0, [(0.5, 6.0)], [(3.5, 8.0)], seed=4), SR)
    d = result.to_dict()
    for key in (
        "duration_seconds",
        "channels",
        "speech_seconds",
        "dead_air",
        "overtalk",
        "talk_ratio",
        "first_agent_speech",
        "segments",
    ):
        assert key in d
    assert set(d["segments"]) == {"caller", "agent"}
    for value in (d["overtalk"][0]["start"], d["speech_seconds"]["agent"], d["talk_ratio"]):
        assert round(value, 3) == value
    assert isinstance(result, AnalysisResult)


def test_speech_like_signal_is_what_the_vad_calls_speech() -> None:
    # Guards the test signal itself: if the generator stopped sounding like speech, every
    # scenario above would pass vacuously on "no speech".
    x = speech_like(3.0, np.random.default_rng(15))
    result = analyze_samples(to_int16(x), SR)
    assert result.speech_seconds["mixed"] > 2.8


def test_config_rejects_impossible_values() -> None:
    with pytest.raises(ValueError, match="frame_ms"):
        AnalysisConfig(frame_ms=25)
    with pytest.raises(ValueError, match="vad_aggressiveness"):
        AnalysisConfig(vad_aggressiveness=4)
    with pytest.raises(ValueError, match="dead_air_min_seconds"):
        AnalysisConfig(dead_air_min_seconds=-1)
    with pytest.raises(ValueError, match="vad_floor_dbfs"):
        AnalysisConfig(vad_floor_dbfs=3.0)


def test_config_builds_from_an_analysis_toml_section() -> None:
    # The settings loader's contract: [analysis] keys are exactly the dataclass field names.
    section = tomllib.loads(
        "[analysis]\ndead_air_min_seconds = 7.5\novertalk_min_seconds = 2.0\n"
        "vad_aggressiveness = 3\ndead_air_at_edges = false\n"
    )["analysis"]
    config = AnalysisConfig.from_mapping(section)
    assert config == AnalysisConfig(**section)
    assert config.dead_air_min_seconds == 7.5
    assert config.dead_air_at_edges is False
    assert {f.name for f in dataclasses.fields(AnalysisConfig)} >= set(section)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.frame_ms = 20  # type: ignore[misc]
    assert AnalysisConfig.from_mapping({"dead_air_min_seconds": 6}).dead_air_min_seconds == 6
    with pytest.raises(ValueError, match=r"unknown key.*dead_air_seconds"):
        AnalysisConfig.from_mapping({"dead_air_seconds": 6})
    with pytest.raises(ValueError, match=r"analysis\.vad_aggressiveness must be of type int"):
        AnalysisConfig.from_mapping({"vad_aggressiveness": "3"})
    with pytest.raises(ValueError, match=r"analysis\.dead_air_at_edges must be of type bool"):
        AnalysisConfig.from_mapping({"dead_air_at_edges": 1})
