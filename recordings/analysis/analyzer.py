"""Analysis of samples already in memory: pure logic, no file access.

File reading lives in :mod:`recordings.analysis.reading`; keeping this side free of I/O lets the
bridge or tests analyse audio they already hold, and keeps the numbers testable without files.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from . import spans as sp
from .config import AnalysisConfig
from .errors import (
    EmptyAudioError,
    UnsupportedChannelCountError,
    UnsupportedSampleFormatError,
    UnsupportedSampleRateError,
)
from .result import AnalysisResult, Overtalk, Speaker, TimeSpan
from .vad import VAD_SAMPLE_RATES, channel_segments

# Stereo recordings from the bridge put the caller on the left, the agent on the right.
STEREO_CHANNELS: tuple[str, str] = ("caller", "agent")
MONO_CHANNEL = "mixed"


def to_pcm16(samples: npt.NDArray[np.generic], source: str) -> npt.NDArray[np.int16]:
    """Samples as 16-bit PCM, the only input webrtcvad takes. Floats are taken as [-1, 1]."""
    if samples.dtype == np.int16:
        return samples  # type: ignore[return-value]
    if np.issubdtype(samples.dtype, np.floating):
        scaled = np.clip(np.rint(samples.astype(np.float64) * 32768.0), -32768, 32767)
        return scaled.astype(np.int16)
    if samples.dtype == np.int32:
        # libsndfile's int32 is full-scale 32-bit; the top 16 bits are the 16-bit sample.
        return np.right_shift(samples.astype(np.int32), 16).astype(np.int16)
    raise UnsupportedSampleFormatError(
        source, f"samples of type {samples.dtype} (expected int16, int32 or float)"
    )


def _as_channels(samples: npt.NDArray[np.generic], source: str) -> npt.NDArray[np.generic]:
    """Shape ``(frames, channels)`` whatever came in."""
    if samples.ndim == 1:
        return samples.reshape(-1, 1)
    if samples.ndim == 2 and samples.shape[1] in (1, 2):
        return samples
    shape = "x".join(str(d) for d in samples.shape)
    raise UnsupportedChannelCountError(
        source, f"audio of shape {shape}: expected mono or stereo (caller left, agent right)"
    )


def analyze_samples(
    samples: npt.ArrayLike,
    sample_rate: int,
    config: AnalysisConfig | None = None,
    excluded_spans: Iterable[Sequence[float]] = (),
    *,
    source: str = "<samples>",
) -> AnalysisResult:
    """Analyse one recording held in memory.

    ``samples``: shape ``(frames,)`` (mono) or ``(frames, channels)`` with channel 0 the caller
    and channel 1 the agent; int16, int32 or float in [-1, 1]. ``excluded_spans``: ``(start,
    end)`` seconds of hold music or prompts; they never count as dead air, overtalk or speech.
    ``source`` names the audio in error messages and in the result.
    """
    config = config or AnalysisConfig()
    array = np.asarray(samples)
    if sample_rate not in VAD_SAMPLE_RATES:
        raise UnsupportedSampleRateError(
            source,
            f"sample rate {sample_rate} Hz is not supported (expected 8000 Hz telephone audio "
            "or 16000 Hz)",
        )
    audio = to_pcm16(_as_channels(array, source), source)
    n_samples, n_channels = audio.shape
    if n_samples == 0:
        raise EmptyAudioError(source, "no audio frames")
    duration = n_samples / sample_rate
    frame_s = config.frame_ms / 1000

    names = STEREO_CHANNELS if n_channels == 2 else (MONO_CHANNEL,)
    heard: dict[str, list[sp.Span]] = {}
    for index, name in enumerate(names):
        frames = channel_segments(
            audio[:, index],
            sample_rate,
            config.frame_ms,
            config.vad_aggressiveness,
            config.merge_gap_seconds,
            config.min_speech_seconds,
            config.vad_floor_dbfs,
        )
        heard[name] = [(int(a) * frame_s, int(b) * frame_s) for a, b in frames]

    excluded = sp.clip(sp.normalize(excluded_spans), 0.0, duration)
    # A segment cut by an excluded span can leave a sliver (the VAD's hangover after the hold
    # music stops); the same minimum that removes clicks keeps slivers from counting as speech.
    speech = {
        name: sp.at_least(sp.subtract(segs, excluded), config.min_speech_seconds)
        for name, segs in heard.items()
    }

    dead_air = _dead_air(speech, excluded, duration, config)
    overtalk: list[Overtalk] | None = None
    talk_ratio: float | None = None
    first_agent: float | None = None
    if n_channels == 2:
        overtalk = _overtalk(heard["caller"], heard["agent"], excluded, config)
        total = sp.total(speech["caller"]) + sp.total(speech["agent"])
        talk_ratio = sp.total(speech["agent"]) / total if total > 0 else None
        first_agent = speech["agent"][0][0] if speech["agent"] else None

    return AnalysisResult(
        duration_seconds=duration,
        sample_rate=sample_rate,
        channels=n_channels,
        segments={name: tuple(TimeSpan(s, e) for s, e in segs) for name, segs in heard.items()},
        speech_seconds={name: sp.total(segs) for name, segs in speech.items()},
        dead_air=tuple(TimeSpan(s, e) for s, e in dead_air),
        overtalk=None if overtalk is None else tuple(overtalk),
        talk_ratio=talk_ratio,
        first_agent_speech=first_agent,
        excluded=tuple(TimeSpan(s, e) for s, e in excluded),
        source=None if source == "<samples>" else source,
    )


def _dead_air(
    speech: dict[str, list[sp.Span]],
    excluded: list[sp.Span],
    duration: float,
    config: AnalysisConfig,
) -> list[sp.Span]:
    """Silence on every channel, outside excluded spans, at least the configured length.

    Exclusion is applied before the length check: hold music splitting a long silence leaves
    two shorter silences, each judged on its own, since the caller heard music in between.
    """
    silent = sp.complement(sp.union(*speech.values()), 0.0, duration)
    silent = sp.subtract(silent, excluded)
    if not config.dead_air_at_edges:
        silent = [(s, e) for s, e in silent if s > 0.0 and e < duration]
    return sp.at_least(silent, config.dead_air_min_seconds)


def _overtalk(
    caller: list[sp.Span],
    agent: list[sp.Span],
    excluded: list[sp.Span],
    config: AnalysisConfig,
) -> list[Overtalk]:
    """Overlaps of caller and agent speech at least the configured length.

    Found on the segments as heard (before exclusion) so ``by`` reflects who really started
    first, then the excluded parts are cut out: talking over an IVR prompt is not overtalk.
    """
    found: list[Overtalk] = []
    for overlap, i, j in sp.intersect_pairs(caller, agent):
        # The interrupter is whoever's segment began later. Starting in the same frame is
        # nobody talking over anybody; "caller" is chosen so that R23 ("interrupting the
        # customer", scored against the agent) is never charged for a simultaneous start.
        by: Speaker = "agent" if agent[j][0] > caller[i][0] else "caller"
        for s, e in sp.at_least(sp.subtract([overlap], excluded), config.overtalk_min_seconds):
            found.append(Overtalk(s, e, by))
    return found
