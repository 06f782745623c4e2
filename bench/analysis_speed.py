"""How fast is the recording analysis? Prints x real time per core and a baseline ratio.

    .venv/bin/python bench/analysis_speed.py [--minutes 60] [--runs 3]

Generates a stereo 8 kHz call of speech-like bursts over telephone line noise (turns of 1-8 s,
pauses of 0.2-7 s, some overlaps), writes it to a temporary WAV and times
``analyze_file`` on it. The baseline, timed in the same run on the same file, is the least any
frame-based analysis must do: read the file with soundfile and compute per-frame RMS with
numpy. The process is pinned to one CPU so the figure is per core (numpy and libsndfile would
otherwise be free to use more).

Goal (issue 3): at least 500x real time per core.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from recordings.analysis import AnalysisConfig, analyze_file

SR = 8000
CHUNK_SECONDS = 60  # the band-limiting FFT runs per chunk to keep memory flat for long files


def pin_to_one_core() -> str:
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity on this platform)"
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return f"pinned to CPU {cpu}"


def speech_mask(
    seconds: float, rng: np.random.Generator
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Turn-taking: who speaks when, per sample, with occasional overlaps and long silences."""
    n = round(seconds * SR)
    masks = np.zeros((2, n), dtype=np.bool_)
    t, who = 0.5, 0
    while t < seconds:
        length = rng.uniform(1.0, 8.0)
        a, b = round(t * SR), min(n, round((t + length) * SR))
        masks[who, a:b] = True
        pause = rng.choice([rng.uniform(0.2, 1.5), rng.uniform(4.0, 7.0), -rng.uniform(0.5, 2)],
                           p=[0.8, 0.1, 0.1])  # fmt: skip
        t += length + pause
        who = 1 - who
    return masks[0], masks[1]


def band_limited(n: int, rng: np.random.Generator, low: float, high: float) -> npt.NDArray:
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / SR)
    spectrum[(freqs < low) | (freqs > high)] = 0
    out = np.fft.irfft(spectrum, n=n)
    return out / np.sqrt(np.mean(out**2))


def make_channel(mask: npt.NDArray[np.bool_], rng: np.random.Generator) -> npt.NDArray[np.int16]:
    out = np.empty(len(mask), dtype=np.int16)
    step = CHUNK_SECONDS * SR
    for start in range(0, len(mask), step):
        n = min(step, len(mask) - start)
        t = (start + np.arange(n)) / SR
        noise = band_limited(n, rng, 100, 3600) * 10 ** (-55 / 20)
        # Buzz plus breath noise, band-limited, pulsed at ~4 syllables per second.
        phase = np.cumsum(160 + 40 * np.sin(2 * np.pi * 0.5 * t)) / SR
        voice_src = (phase % 1.0) - 0.5 + 0.3 * rng.standard_normal(n)
        spectrum = np.fft.rfft(voice_src)
        freqs = np.fft.rfftfreq(n, 1 / SR)
        spectrum[(freqs < 300) | (freqs > 3400)] = 0
        voice = np.fft.irfft(spectrum, n=n)
        voice *= 10 ** (-20 / 20) / np.sqrt(np.mean(voice**2))
        syllables = 0.55 + 0.45 * np.sin(2 * np.pi * 4.0 * t + rng.uniform(0, 6.3))
        x = noise + voice * syllables * mask[start : start + n]
        out[start : start + n] = np.clip(np.rint(x * 32767), -32768, 32767).astype(np.int16)
    return out


def baseline(path: Path, frame_ms: int) -> float:
    """Read + per-frame RMS of both channels: the floor under any frame-based analysis."""
    started = time.perf_counter()
    data, rate = sf.read(str(path), dtype="int16", always_2d=True)
    n = rate * frame_ms // 1000
    frames = data[: len(data) // n * n].reshape(-1, n, data.shape[1]).astype(np.float32)
    rms = np.sqrt(np.mean(frames**2, axis=1))
    elapsed = time.perf_counter() - started
    assert rms.shape[1] == data.shape[1]
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    pinned = pin_to_one_core()
    seconds = args.minutes * 60
    config = AnalysisConfig()
    rng = np.random.default_rng(2024)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "call.wav"
        t0 = time.perf_counter()
        caller, agent = speech_mask(seconds, rng)
        placed = (caller.sum() / SR, agent.sum() / SR)
        stereo = np.stack([make_channel(caller, rng), make_channel(agent, rng)], axis=1)
        sf.write(str(path), stereo, SR, subtype="PCM_16")
        del stereo
        print(f"generated {args.minutes:g} min stereo 8 kHz in {time.perf_counter() - t0:.1f} s "
              f"({path.stat().st_size / 1e6:.0f} MB); {pinned}")  # fmt: skip

        analysis_times, baseline_times = [], []
        result = None
        for _ in range(args.runs):
            baseline_times.append(baseline(path, config.frame_ms))
            started = time.perf_counter()
            result = analyze_file(path, config)
            analysis_times.append(time.perf_counter() - started)

    assert result is not None
    best, median = min(analysis_times), statistics.median(analysis_times)
    base = min(baseline_times)
    print(
        f"found: {result.speech_seconds['caller']:.0f} s caller / "
        f"{result.speech_seconds['agent']:.0f} s agent speech, {len(result.dead_air)} dead-air, "
        f"{len(result.overtalk or ())} overtalk spans "
        f"(placed: {placed[0]:.0f} s caller / {placed[1]:.0f} s agent)"
    )
    print(f"analyze_file: best {best:.2f} s, median {median:.2f} s over {args.runs} runs")
    print(f"  speed: {seconds / best:.0f}x real time per core (median {seconds / median:.0f}x)")
    print(f"baseline (soundfile read + per-frame RMS): best {base:.3f} s, "
          f"{seconds / base:.0f}x real time")  # fmt: skip
    print(f"analysis / baseline time ratio: {best / base:.1f}")
    print("goal: >= 500x real time per core:", "met" if seconds / best >= 500 else "NOT met")


if __name__ == "__main__":
    main()
