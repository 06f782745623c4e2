"""Call recordings on disk (R11): MixMonitor's interleaved stereo raw stream (caller left, what
the caller heard right) becomes a WAV in the recordings folder, with its duration and checksum."""

from __future__ import annotations

import asyncio
import hashlib
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import soundfile as sf

SAMPLE_RATE = 8000
CHUNK_FRAMES = 8000 * 60  # a minute at a time: a long call never sits in memory whole


class RecordingError(RuntimeError):
    """A recording could not be finalised; the message names the file and the problem."""


@dataclass(frozen=True)
class RecordingInfo:
    path: Path  # the WAV
    duration_seconds: float
    channels: int
    sha256: str


def wait_complete(raw: Path, timeout: float = 5.0, settle: float = 0.3,
                  quiet: float = 2.0) -> None:
    """MixMonitor closes the file just after the channel's hangup: wait until it stops growing.
    A file untouched for `quiet` seconds is complete already (MixMonitor writes every 20 ms
    while the call lasts): the recordings of calls reconciled after an outage (issue 13) are
    finalised without a wait each."""
    try:
        if time.time() - raw.stat().st_mtime > quiet:
            return
    except FileNotFoundError:
        pass
    deadline = time.monotonic() + timeout
    last = -1
    while time.monotonic() < deadline:
        size = _size(raw)
        if size >= 0 and size == last:
            return
        last = size
        time.sleep(settle)
    if last < 0:
        raise RecordingError(f"{raw}: recording file not found")


async def wait_complete_async(raw: Path, timeout: float = 5.0, settle: float = 0.3) -> None:
    """wait_complete without holding a worker thread while it waits: the bridge's thread pool
    is shared by every call's record and recording, and 150 calls ending together each slept
    in it, so records waited seconds behind sleeping threads (issue 9's load bench)."""
    deadline = time.monotonic() + timeout
    last = -1
    while time.monotonic() < deadline:
        size = _size(raw)
        if size >= 0 and size == last:
            return
        last = size
        await asyncio.sleep(settle)
    if last < 0:
        raise RecordingError(f"{raw}: recording file not found")


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return -1


def relative_target(linkedid: str, started: datetime) -> Path:
    """Day folders keep a year of recordings browsable: YYYY/MM/DD/<linkedid>.wav."""
    return Path(started.strftime("%Y/%m/%d")) / f"{linkedid}.wav"


def finalize(raw: Path, target: Path, sample_rate: int = SAMPLE_RATE) -> RecordingInfo:
    """Converts the raw stereo stream into a 16-bit WAV and removes the raw file."""
    if not raw.exists():
        raise RecordingError(f"{raw}: recording file not found")
    size = raw.stat().st_size
    if size % 4:
        # A partial last frame (the call was cut mid-write): drop it rather than misalign.
        size -= size % 4
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part.wav")
    try:
        with sf.SoundFile(partial, "w", samplerate=sample_rate, channels=2,
                          subtype="PCM_16", format="WAV") as out, raw.open("rb") as src:
            remaining = size
            while remaining > 0:
                chunk = src.read(min(remaining, CHUNK_FRAMES * 4))
                if not chunk:
                    break
                remaining -= len(chunk)
                out.write(np.frombuffer(chunk, dtype="<i2").reshape(-1, 2))
        partial.replace(target)
    except (OSError, sf.LibsndfileError) as e:
        partial.unlink(missing_ok=True)
        raise RecordingError(f"{raw}: could not write {target}: {e}") from e
    info = describe(target)
    raw.unlink()
    return info


def describe(path: Path) -> RecordingInfo:
    try:
        meta = sf.info(str(path))
    except (OSError, RuntimeError) as e:
        raise RecordingError(f"{path}: not a readable recording: {e}") from e
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return RecordingInfo(path, round(meta.frames / meta.samplerate, 3), meta.channels,
                         digest.hexdigest())
