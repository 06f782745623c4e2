"""A finished call's recording (R11): MixMonitor's raw file becomes the stereo WAV in the
recordings folder, measured (duration, channels, sha256), and an answered call gets its QA
flags (R23). What comes out is what the call record stores."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import soundfile as sf

from callrecords.record import CallRecord
from metrics import RECORDING_FAILURES
from recordings.analysis import AnalysisConfig, analyze_for_call
from recordings.storage import (
    RecordingError,
    describe,
    finalize,
    relative_target,
    wait_complete_async,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecordingOutcome:
    """The recording's columns of a call record; `error` set when it could not be finalised."""

    path: str | None = None  # relative to the recordings folder
    duration_seconds: float | None = None
    channels: int | None = None
    sha256: str | None = None
    qa_flags: dict[str, Any] | None = None
    error: str | None = None


class RecordingFinaliser:
    def __init__(self, monitor_dir: Path, recordings_dir: Path, prompts_dir: Path,
                 timezone: ZoneInfo, analysis: AnalysisConfig) -> None:
        self.monitor = monitor_dir  # MixMonitor's spool (the dialplan's hotline/<linkedid>.raw)
        self.recordings = recordings_dir.resolve()
        self.prompts = prompts_dir
        self.zone = timezone
        self.analysis = analysis
        self.failures = 0  # since start, for /health

    async def finalise(self, record: CallRecord) -> RecordingOutcome | None:
        """None when the call has no recording (never answered by the IVR)."""
        if record.recording_file is None:
            return None
        raw = self.monitor / record.recording_file
        started = datetime.fromtimestamp(record.started_at, UTC).astimezone(self.zone)
        rel = relative_target(record.linkedid, started)
        target = self.recordings / rel
        try:
            if not raw.exists() and target.exists():
                # Finalised before (a record written again from the spool): measure it again.
                info = await asyncio.to_thread(describe, target)
            else:
                await wait_complete_async(raw)
                info = await asyncio.to_thread(finalize, raw, target)
            flags = None
            if record.agent_answered_at is not None:
                flags = await asyncio.to_thread(
                    analyze_for_call, info.path, self.analysis, self.not_conversation(record))
        except RecordingError as e:
            log.error("recording of call %s: %s", record.linkedid, e)
            self.failures += 1
            RECORDING_FAILURES.inc()
            return RecordingOutcome(error=str(e))
        return RecordingOutcome(str(rel), info.duration_seconds, info.channels, info.sha256,
                                flags)

    def not_conversation(self, record: CallRecord) -> list[tuple[float, float]]:
        """The IVR prompt, queue music and the agent-number announcement are not conversation:
        excluded from dead air and overtalk (R23). The recording starts at the IVR's answer."""
        start = record.answered_at or record.started_at
        if record.agent_answered_at is None:
            return []
        return [(0.0, record.agent_answered_at - start + self._intro_seconds(record.agent))]

    def _intro_seconds(self, agent: str | None) -> float:
        try:
            info = sf.info(str(self.prompts / f"agent_intro_{agent}.wav"))
            return float(info.frames) / float(info.samplerate)
        except (OSError, RuntimeError):
            return 0.0
