"""Reading what a recording actually holds: per-channel level and tone presence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf


def load(path: Path) -> tuple[np.ndarray, int]:
    data, rate = sf.read(str(path), dtype="float64", always_2d=True)
    return data, int(rate)


def tone_share(data: np.ndarray, rate: int, channel: int, start: float, end: float,
               freq: float, width: float = 40.0) -> float:
    """Fraction of the window's energy within ±width Hz of freq (0..1)."""
    x = data[int(start * rate):int(end * rate), channel]
    if len(x) < rate // 10:
        return 0.0
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / rate)
    total = spectrum.sum()
    return float(spectrum[(freqs > freq - width) & (freqs < freq + width)].sum() / total) \
        if total > 0 else 0.0


def rms_dbfs(data: np.ndarray, rate: int, channel: int, start: float, end: float) -> float:
    x = data[int(start * rate):int(end * rate), channel]
    if len(x) == 0:
        return -120.0
    return float(20 * np.log10(max(np.sqrt(np.mean(x**2)), 1e-6)))
