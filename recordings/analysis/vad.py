"""Voice activity per channel: framing, webrtcvad, smoothing. Pure: arrays in, arrays out.

Segments are returned as frame indices ``(start_frame, end_frame)`` (end exclusive), so all the
smoothing is exact integer work; the analyzer turns them into seconds.
"""

from __future__ import annotations

import _webrtcvad
import numpy as np
import numpy.typing as npt
import webrtcvad

# webrtcvad's C code supports these rates natively; telephone audio is 8 kHz, wideband 16 kHz.
VAD_SAMPLE_RATES = (8000, 16000)

# webrtcvad starts with a generic noise model and calls the first frame of almost any line
# noise speech, then holds that for its hangover (up to ~120 ms): a phantom word at 0 s that
# would merge with a real word starting soon after. Feeding it the opening of the channel first
# adapts the model; then its quietest frame, repeated, runs the hangover out (digital silence
# would not: the VAD would take zero as the noise floor and call the line noise speech), and
# the real pass starts from frame 0 with a settled VAD.
WARMUP_SECONDS = 0.3
DRAIN_FRAMES = 15  # > the longest webrtcvad hangover (14 frames, 10 ms frames, mode 0)

# Frames below this level (dBFS RMS) are silence and never reach the VAD. Digital silence (a
# muted leg, hold without music, G.711 idle codes decode to about -72 dBFS) otherwise drags
# webrtcvad's noise estimate to zero, and when the line noise returns it is called speech for
# seconds. Well under telephone line noise (-60..-50 dBFS) and speech (-45..-10 dBFS).
DEFAULT_FLOOR_DBFS = -70.0

FrameRuns = npt.NDArray[np.int64]  # shape (n, 2): start frame, end frame (exclusive)


def frame_length(sample_rate: int, frame_ms: int) -> int:
    """Samples per VAD frame."""
    return sample_rate * frame_ms // 1000


def speech_frames(
    channel: npt.NDArray[np.int16],
    sample_rate: int,
    frame_ms: int,
    aggressiveness: int,
    floor_dbfs: float = DEFAULT_FLOOR_DBFS,
) -> npt.NDArray[np.bool_]:
    """Raw webrtcvad decision for each whole frame of one channel (a trailing partial frame is
    ignored: webrtcvad cannot take it and it is shorter than the time resolution anyway).

    Frames quieter than ``floor_dbfs`` are silence without asking the VAD; see
    :data:`DEFAULT_FLOOR_DBFS` for why that matters for correctness, not only speed. All other
    frames go, in order, to one ``Vad`` per channel and call: the VAD keeps a noise model and a
    hangover counter between frames, so sharing an instance across channels would change its
    answers. See :data:`WARMUP_SECONDS` for the warm-up.
    """
    n = frame_length(sample_rate, frame_ms)
    count = len(channel) // n
    flags = np.zeros(count, dtype=np.bool_)
    if count == 0:
        return flags
    pcm = np.ascontiguousarray(channel[: count * n], dtype="<i2")
    power = np.mean(np.square(pcm.reshape(count, n), dtype=np.float32), axis=1)
    floor_power = (32768.0 * 10 ** (floor_dbfs / 20)) ** 2
    audible = np.flatnonzero(power >= floor_power)
    if len(audible) == 0:
        return flags

    view = pcm.data.cast("B")  # zero-copy byte view; slicing it copies nothing either
    step = 2 * n
    vad = webrtcvad.Vad(aggressiveness)
    # Vad.is_speech is this C call behind a length check in Python that took a third of the
    # analysis (issue 9: the bridge analyses every answered call); every frame here is whole.
    process, handle = _webrtcvad.process, vad._vad

    opening = audible[audible < max(1, round(WARMUP_SECONDS * 1000 / frame_ms))]
    for i in opening.tolist():
        process(handle, sample_rate, view[i * step : (i + 1) * step], n)
    if len(opening):
        quietest = int(opening[np.argmin(power[opening])])
        drain = view[quietest * step : (quietest + 1) * step]
        for _ in range(DRAIN_FRAMES):
            process(handle, sample_rate, drain, n)

    frames = audible.tolist()
    flags[frames] = [process(handle, sample_rate, view[i * step : (i + 1) * step], n)
                     for i in frames]
    return flags


def runs(flags: npt.NDArray[np.bool_]) -> FrameRuns:
    """Runs of True as ``(start, end)`` frame pairs, found with one diff instead of a loop."""
    padded = np.concatenate(([False], flags, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return edges.reshape(-1, 2).astype(np.int64)


def smooth(segments: FrameRuns, max_gap_frames: int, min_frames: int) -> FrameRuns:
    """Bridge short pauses, then drop short segments.

    Bridging comes first so a word made of short syllables survives as one segment; dropping
    afterwards removes what is still short on its own, i.e. isolated clicks and pops.
    """
    if len(segments) == 0:
        return segments
    gaps = segments[1:, 0] - segments[:-1, 1]
    # A new merged segment starts wherever the pause before it is too long to bridge.
    breaks = np.flatnonzero(gaps > max_gap_frames) + 1
    starts = segments[np.concatenate(([0], breaks)), 0]
    ends = segments[np.concatenate((breaks - 1, [len(segments) - 1])), 1]
    merged = np.stack((starts, ends), axis=1)
    kept: npt.NDArray[np.int64] = merged[(merged[:, 1] - merged[:, 0]) >= min_frames]
    return kept


def channel_segments(
    channel: npt.NDArray[np.int16],
    sample_rate: int,
    frame_ms: int,
    aggressiveness: int,
    merge_gap_seconds: float,
    min_speech_seconds: float,
    floor_dbfs: float = DEFAULT_FLOOR_DBFS,
) -> FrameRuns:
    """Smoothed speech segments of one channel, in frames."""
    flags = speech_frames(channel, sample_rate, frame_ms, aggressiveness, floor_dbfs)
    frame_s = frame_ms / 1000
    # Rounding (not flooring) so 0.5 s at 30 ms frames bridges 17 frames (0.51 s), the closest.
    max_gap = round(merge_gap_seconds / frame_s)
    min_frames = max(1, round(min_speech_seconds / frame_s))
    return smooth(runs(flags), max_gap, min_frames)
