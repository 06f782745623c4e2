"""MixMonitor's interleaved raw stream becomes a stereo WAV with duration and checksum (R11)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from recordings.storage import RecordingError, finalize, relative_target, wait_complete


def raw_stereo(path: Path, seconds: float, extra: bytes = b"") -> tuple[np.ndarray, np.ndarray]:
    n = int(8000 * seconds)
    t = np.arange(n) / 8000
    left = (8000 * np.sin(2 * np.pi * 600 * t)).astype("<i2")
    right = (4000 * np.sin(2 * np.pi * 1400 * t)).astype("<i2")
    path.write_bytes(np.column_stack([left, right]).tobytes() + extra)
    return left, right


def test_finalize_keeps_both_channels_and_removes_the_raw(tmp_path: Path) -> None:
    raw = tmp_path / "monitor" / "1.raw"
    raw.parent.mkdir()
    left, right = raw_stereo(raw, 2.5)
    target = tmp_path / "rec" / "2026" / "1.wav"
    info = finalize(raw, target)
    assert not raw.exists() and target.exists()
    assert info.channels == 2 and info.duration_seconds == 2.5
    assert info.sha256 == hashlib.sha256(target.read_bytes()).hexdigest()
    data, rate = sf.read(str(target), dtype="int16")
    assert rate == 8000 and data.shape == (20000, 2)
    assert np.array_equal(data[:, 0], left) and np.array_equal(data[:, 1], right)


def test_the_wav_is_the_one_libsndfile_wrote(tmp_path: Path) -> None:
    """Issue 9: the WAV is now a header and MixMonitor's bytes copied; byte for byte the file
    the libsndfile encoding made before (so stored checksums stay comparable)."""
    raw = tmp_path / "3.raw"
    left, right = raw_stereo(raw, 1.5, extra=b"\x01\x02")
    reference = tmp_path / "reference.wav"
    sf.write(str(reference), np.column_stack([left, right]), 8000, subtype="PCM_16",
             format="WAV")
    info = finalize(raw, tmp_path / "3.wav")
    assert (tmp_path / "3.wav").read_bytes() == reference.read_bytes()
    assert info.sha256 == hashlib.sha256(reference.read_bytes()).hexdigest()
    assert (info.duration_seconds, info.channels) == (1.5, 2)


def test_a_partial_last_frame_is_dropped(tmp_path: Path) -> None:
    raw = tmp_path / "2.raw"
    raw_stereo(raw, 1.0, extra=b"\x01\x02\x03")
    info = finalize(raw, tmp_path / "2.wav")
    assert info.duration_seconds == 1.0


def test_missing_raw_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match="not found"):
        finalize(tmp_path / "nope.raw", tmp_path / "x.wav")
    with pytest.raises(RecordingError, match="not found"):
        wait_complete(tmp_path / "nope.raw", timeout=0.2, settle=0.05)


def test_recordings_are_filed_by_day() -> None:
    assert relative_target("17.3", datetime(2026, 11, 23, 10)) == Path("2026/11/23/17.3.wav")
