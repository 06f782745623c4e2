"""A recording's waveform as a browser draws it: per channel, the loudest sample of each of
`points` equal slices of the file, scaled to 0..100. Two lists of small integers describe a
30-minute call in a few kilobytes, so the QA console (issue 10) draws both sides at once
without downloading the audio first.

Read a block at a time (a whole number of slices per block), so memory stays flat however
long the call; cached per (file, size, mtime, points), since a recording is written once and
looked at many times."""

from __future__ import annotations

import math
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

SCALE = 100  # peaks are integers 0..SCALE: one or two digits each in JSON
_BLOCK_FRAMES = 1 << 16  # frames read at a time (about 8 s of 8 kHz audio)


class PeaksUnreadable(Exception):
    """The file is not audio soundfile can read."""


@dataclass(frozen=True)
class Peaks:
    sample_rate: int
    duration_seconds: float
    slice_seconds: float  # how much of the recording one peak stands for
    channels: tuple[tuple[int, ...], ...]  # one list per channel, in the file's order

    def to_dict(self, names: tuple[str, ...]) -> dict[str, Any]:
        return {"sample_rate": self.sample_rate,
                "duration_seconds": round(self.duration_seconds, 3),
                "slice_seconds": round(self.slice_seconds, 6), "scale": SCALE,
                "channels": {name: list(values) for name, values in zip(names, self.channels,
                                                                       strict=False)}}


def compute_peaks(path: Path, points: int) -> Peaks:
    """At most `points` peaks per channel (fewer for a recording shorter than `points`
    frames); each is the largest absolute sample of its slice, relative to full scale."""
    try:
        with sf.SoundFile(str(path)) as f:
            rate, frames, channels = f.samplerate, f.frames, f.channels
            per_slice = max(1, math.ceil(frames / points)) if frames else 1
            block = max(1, _BLOCK_FRAMES // per_slice) * per_slice
            out: list[np.ndarray] = []
            for chunk in f.blocks(blocksize=block, dtype="int16", always_2d=True):
                out.append(_slice_peaks(chunk, per_slice))
    except (sf.SoundFileError, RuntimeError) as e:
        raise PeaksUnreadable(str(e)) from e
    values = np.concatenate(out) if out else np.zeros((0, channels), dtype=np.int64)
    scaled = np.minimum(SCALE, np.ceil(values * SCALE / 32768)).astype(int)
    return Peaks(rate, frames / rate if rate else 0.0, per_slice / rate if rate else 0.0,
                 tuple(tuple(int(v) for v in scaled[:, c]) for c in range(channels)))


def _slice_peaks(chunk: np.ndarray, per_slice: int) -> np.ndarray:
    """(slices, channels) of the largest |sample| per slice; the last slice may be short."""
    wide = chunk.astype(np.int32)  # |-32768| does not fit int16
    whole = len(wide) // per_slice * per_slice
    parts = []
    if whole:
        parts.append(np.abs(wide[:whole]).reshape(-1, per_slice, wide.shape[1]).max(axis=1))
    if whole < len(wide):
        parts.append(np.abs(wide[whole:]).max(axis=0, keepdims=True))
    return np.concatenate(parts)


class PeaksCache:
    """The last `size` results in memory, keyed by the file's identity on disk: a recording
    replaced under the same name (size or mtime changed) is read again."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[tuple[str, int, int, int], Peaks] = OrderedDict()
        self._lock = threading.Lock()  # route handlers run in the thread pool

    def get(self, path: Path, points: int) -> Peaks:
        st = os.stat(path)
        key = (str(path), st.st_size, st.st_mtime_ns, points)
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        peaks = compute_peaks(path, points)
        with self._lock:
            self._items[key] = peaks
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return peaks
