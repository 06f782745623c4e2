"""Synthetic call audio for the recording-analysis tests.

Speech stand-in: a voiced buzz (pitch drifting 110-220 Hz) plus breath noise, band-limited to
the telephone band, amplitude-modulated into syllables at 3-5 per second. Line noise: band-limited
white noise at a realistic telephone line level. Everything is seeded so a failure reproduces.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile as sf

SR = 8000
LINE_NOISE_DBFS = -55.0  # typical idle telephone line: between -60 and -50 dBFS
SPEECH_DBFS = -20.0  # active speech level on a well-set telephone channel

FloatArray = npt.NDArray[np.float64]


def _band_limit(x: FloatArray, sr: int, low: float = 300.0, high: float = 3400.0) -> FloatArray:
    spectrum = np.fft.rfft(x)
    freqs = np.fft.rfftfreq(len(x), 1 / sr)
    spectrum[(freqs < low) | (freqs > high)] = 0
    return np.fft.irfft(spectrum, n=len(x))


def _rms_to(x: FloatArray, dbfs: float) -> FloatArray:
    rms = float(np.sqrt(np.mean(x**2)))
    return x * (10 ** (dbfs / 20) / rms) if rms > 0 else x


def syllable_envelope(n: int, sr: int, rng: np.random.Generator) -> FloatArray:
    """Syllables of 170-330 ms (3-5 Hz) with 10 ms attack, so onsets are sharp like speech,
    and a dip between syllables that never lasts long enough to count as a pause."""
    env = np.zeros(n)
    pos = 0
    ramp = int(0.01 * sr)
    while pos < n:
        length = int(rng.uniform(0.17, 0.33) * sr)
        seg = np.full(length, rng.uniform(0.6, 1.0))
        seg[:ramp] *= np.linspace(0.0, 1.0, ramp)
        tail = int(0.06 * sr)
        seg[-tail:] *= np.linspace(1.0, 0.1, tail)
        end = min(n, pos + length)
        env[pos:end] = seg[: end - pos]
        pos = end
    return env


def speech_like(seconds: float, rng: np.random.Generator, sr: int = SR) -> FloatArray:
    """Speech-like sound at :data:`SPEECH_DBFS`, as float samples in [-1, 1]."""
    n = round(seconds * sr)
    t = np.arange(n) / sr
    f0 = 160 + 50 * np.sin(2 * np.pi * rng.uniform(0.3, 0.9) * t + rng.uniform(0, 6.3))
    phase = np.cumsum(f0) / sr
    buzz = (phase % 1.0) - 0.5  # sawtooth: rich in harmonics, like glottal pulses
    source = buzz + 0.3 * rng.standard_normal(n)
    voiced = _band_limit(source, sr)
    return _rms_to(voiced * syllable_envelope(n, sr, rng), SPEECH_DBFS)


def line_noise(
    n: int, rng: np.random.Generator, dbfs: float = LINE_NOISE_DBFS, sr: int = SR
) -> FloatArray:
    return _rms_to(_band_limit(rng.standard_normal(n), sr, 100.0, 3600.0), dbfs)


def build_channel(
    seconds: float,
    speech: Sequence[tuple[float, float]],
    rng: np.random.Generator,
    noise_dbfs: float = LINE_NOISE_DBFS,
    sr: int = SR,
) -> FloatArray:
    """One channel: line noise throughout, speech-like sound in each ``(start, end)``."""
    n = round(seconds * sr)
    out = line_noise(n, rng, noise_dbfs, sr)
    for start, end in speech:
        a, b = round(start * sr), round(end * sr)
        out[a:b] += speech_like((b - a) / sr, rng, sr)
    return out


def build_call(
    seconds: float,
    caller: Sequence[tuple[float, float]],
    agent: Sequence[tuple[float, float]],
    seed: int = 0,
    sr: int = SR,
) -> npt.NDArray[np.int16]:
    """Stereo int16 call: caller left (channel 0), agent right (channel 1)."""
    rng = np.random.default_rng(seed)
    stereo = np.stack(
        [
            build_channel(seconds, caller, rng, sr=sr),
            build_channel(seconds, agent, rng, sr=sr),
        ],
        axis=1,
    )
    return to_int16(stereo)


def build_mono(
    seconds: float, speech: Sequence[tuple[float, float]], seed: int = 0
) -> npt.NDArray[np.int16]:
    return to_int16(build_channel(seconds, speech, np.random.default_rng(seed)))


def write_wav(path: Path, samples: npt.NDArray[np.int16], sr: int = SR) -> Path:
    sf.write(str(path), samples, sr, subtype="PCM_16")
    return path


def to_int16(x: FloatArray) -> npt.NDArray[np.int16]:
    return np.clip(np.rint(x * 32767), -32768, 32767).astype(np.int16)
