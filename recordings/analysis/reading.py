"""Reading a recording from disk with soundfile, turning every failure into a named error."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile as sf

from .errors import (
    EmptyAudioError,
    NotAudioError,
    RecordingUnreadableError,
    TruncatedAudioError,
    UnsupportedChannelCountError,
    UnsupportedSampleRateError,
)
from .vad import VAD_SAMPLE_RATES

# libsndfile reads a WAV that was cut short without complaint, returning only the frames that
# are there. The one trace is in its header log, e.g. "data : 128000 (should be 63979)": the
# declared size of the data chunk and the size actually present in the file.
_DATA_SIZE_MISMATCH = re.compile(r"^data\s*:\s*(\d+)\s*\(should be (\d+)\)", re.MULTILINE)


def read_recording(path: str | os.PathLike[str]) -> tuple[npt.NDArray[np.int16], int]:
    """Samples as int16 ``(frames, channels)`` and the sample rate.

    Raises a :class:`~recordings.analysis.errors.RecordingAnalysisError` subclass naming the
    file for anything that is not complete, readable mono/stereo 8 or 16 kHz audio.
    """
    name = str(path)
    try:
        size = os.stat(path).st_size
    except OSError as exc:
        raise RecordingUnreadableError(name, f"cannot open: {exc.strerror or exc}") from exc
    if Path(path).is_dir():
        raise RecordingUnreadableError(name, "is a directory, not a recording")
    if size == 0:
        raise EmptyAudioError(name, "file is empty (0 bytes)")

    try:
        info = sf.info(name)
    except sf.SoundFileError as exc:
        reason = getattr(exc, "error_string", None) or str(exc)
        raise NotAudioError(name, f"not a readable audio file ({reason})") from exc

    # Checked from the header, before reading: a wrong-rate file may be large, and reading it
    # only to reject it would waste the bridge's time.
    if info.samplerate not in VAD_SAMPLE_RATES:
        raise UnsupportedSampleRateError(
            name,
            f"sample rate {info.samplerate} Hz is not supported "
            "(expected 8000 Hz telephone audio or 16000 Hz)",
        )
    if info.channels not in (1, 2):
        raise UnsupportedChannelCountError(
            name, f"{info.channels} channels: expected mono or stereo (caller left, agent right)"
        )
    if info.frames == 0:
        raise EmptyAudioError(name, "header present but no audio frames")
    mismatch = _DATA_SIZE_MISMATCH.search(info.extra_info or "")
    if mismatch and int(mismatch.group(2)) < int(mismatch.group(1)):
        declared, present = int(mismatch.group(1)), int(mismatch.group(2))
        raise TruncatedAudioError(
            name,
            f"truncated: header declares {declared} bytes of audio but only {present} are in "
            "the file",
        )

    try:
        data, rate = sf.read(name, dtype="int16", always_2d=True)
    except sf.SoundFileError as exc:
        # Compressed formats (FLAC, GSM-in-WAV...) fail while decoding when cut short.
        raise TruncatedAudioError(
            name, f"could not be read to the end, truncated or corrupt ({exc})"
        ) from exc
    if len(data) < info.frames:
        raise TruncatedAudioError(
            name, f"truncated: header declares {info.frames} frames, only {len(data)} could be read"
        )
    return data, int(rate)
