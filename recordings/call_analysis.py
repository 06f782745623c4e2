"""`hotline recordings analyze --call ID`: one stored call's recording analysed the way the
service analysed it after the call, with the same exclusions (the IVR greeting, the queue and
the agent-number announcement are not conversation: RecordingFinaliser.not_conversation), so
the command's figures and the record's qa_flags agree (issue 12)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from callrecords.models import Call
from callrecords.record import CallRecord
from callrecords.store import CallStore
from pbx.layout import Instance
from recordings.analysis import AnalysisConfig, analyze_file
from recordings.finaliser import RecordingFinaliser
from settings import Settings


class CallAnalysisError(RuntimeError):
    """The call cannot be analysed; the message says why and what to do."""


def _epoch(value: datetime | None) -> float | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite drops the offset; the store always writes UTC
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


def _as_record(call: Call) -> CallRecord:
    """What not_conversation reads of a call, from its stored row."""
    return CallRecord(call.linkedid, _epoch(call.started_at) or 0.0,
                      answered_at=_epoch(call.answered_at),
                      agent_answered_at=_epoch(call.agent_answered_at), agent=call.agent)


def analyze_call(settings: Settings, call_id: int, config: AnalysisConfig,
                 extra_excluded: Iterable[Sequence[float]] = ()) -> dict[str, Any]:
    store = CallStore(settings.storage.database_url)
    try:
        call = store.get(call_id)
    finally:
        store.engine.dispose()
    if call is None:
        raise CallAnalysisError(f"there is no call {call_id} in {settings.storage.database_url}"
                                ": take the id from GET /calls (or the demo's record)")
    if call.recording_path is None:
        raise CallAnalysisError(f"call {call_id} has no recording"
                                f"{': ' + call.recording_error if call.recording_error else ''}")
    recordings = Path(settings.storage.recordings_dir).resolve()
    path = (recordings / call.recording_path).resolve()
    if not path.is_relative_to(recordings):
        raise CallAnalysisError(f"call {call_id}'s recording path leaves the recordings folder")
    instance = Instance.of(settings)
    finaliser = RecordingFinaliser(instance.monitor, recordings, instance.prompts,
                                   ZoneInfo(settings.company.timezone), config)
    excluded = [*finaliser.not_conversation(_as_record(call)), *extra_excluded]
    result = analyze_file(path, config, excluded).to_dict()
    result["call"] = call_id
    return result
