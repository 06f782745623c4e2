"""Call recordings on disk (R11): MixMonitor's interleaved stereo raw stream (caller left, what
the caller heard right) becomes a WAV in the recordings folder, with its duration and checksum."""

from __future__ import annotations

import asyncio
import hashlib
import struct
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import soundfile as sf

SAMPLE_RATE = 8000
COPY_BYTES = 1 << 20  # a long call never sits in memory whole


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


def wav_header(data_bytes: int, sample_rate: int = SAMPLE_RATE, channels: int = 2) -> bytes:
    """The 44-byte header of a 16-bit PCM WAV, as libsndfile writes it."""
    block = 2 * channels
    if data_bytes > 0xFFFFFFFF - 36:
        raise ValueError(f"{data_bytes} bytes of audio do not fit in a WAV file")
    return (b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVEfmt "
            + struct.pack("<IHHIIHH", 16, 1, channels, sample_rate, sample_rate * block,
                          block, 16)
            + b"data" + struct.pack("<I", data_bytes))


def finalize(raw: Path, target: Path, sample_rate: int = SAMPLE_RATE) -> RecordingInfo:
    """Makes the raw stereo stream a 16-bit WAV and removes the raw file. MixMonitor's raw
    stream already is the WAV's data (16-bit little-endian, interleaved): the WAV is a header
    and the bytes copied, hashed on the way, read once (decoding and re-encoding the samples
    through libsndfile, then reading the file again for its hash, cost the bridge ~3 ms a
    call; issue 9)."""
    if not raw.exists():
        raise RecordingError(f"{raw}: recording file not found")
    size = raw.stat().st_size
    if size % 4:
        # A partial last frame (the call was cut mid-write): drop it rather than misalign.
        size -= size % 4
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part.wav")
    try:
        header = wav_header(size, sample_rate)
        digest = hashlib.sha256(header)
        with partial.open("wb") as out, raw.open("rb") as src:
            out.write(header)
            remaining = size
            while remaining > 0:
                chunk = src.read(min(remaining, COPY_BYTES))
                if not chunk:
                    break
                remaining -= len(chunk)
                digest.update(chunk)
                out.write(chunk)
            if remaining:  # the file was shorter than it said: the header says what is there
                size -= remaining
                out.seek(0)
                out.write(wav_header(size, sample_rate))
        partial.replace(target)
    except (OSError, ValueError) as e:
        partial.unlink(missing_ok=True)
        raise RecordingError(f"{raw}: could not write {target}: {e}") from e
    info = (RecordingInfo(target, round(size / 4 / sample_rate, 3), 2, digest.hexdigest())
            if not remaining else describe(target))
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
