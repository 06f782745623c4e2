"""Call history in and out: `hotline calls export` writes call records as JSON lines, each in
exactly the shape `GET /calls/{id}` returns (calls.schemas.CallOut); `hotline calls import`
reads the same shape back.

Import is all or nothing: the whole file is checked first (every bad line reported by number
and field), and only a clean file is written. It is idempotent by `linkedid`: a call already
stored is skipped, so importing a file twice adds nothing. A line may carry `recording_file`,
a WAV that is copied into the recordings folder, measured and linked; `recording` itself is
never taken from the line (its URL and checksum belong to the database it came from)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Annotated, Any, TextIO

import soundfile as sf
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from callrecords.store import CallFilter, CallStore
from calls.schemas import CallOut, Recording
from domain.status import Decider, Direction, Disposition, HangupBy, RecordSource, Route
from recordings.storage import describe, relative_target

BATCH = 2000  # lines per transaction: big enough for speed, small enough for memory

Progress = Callable[[int], None]  # bytes of the file done since the last call


def _nothing(_done: int) -> None:
    pass


class LegIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    uniqueid: str = Field(min_length=1, max_length=64)
    channel: str = Field(max_length=128)
    caller: str = Field("", max_length=64)
    started_at: datetime
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    cause: int | None = None
    cause_text: str = Field("", max_length=64)


class CallIn(BaseModel):
    """One line of an import file: GET /calls/{id}'s shape, `id` and `legs` optional,
    `recording` ignored, `recording_file` (a WAV path) optional. Unknown keys are refused: a
    misspelt field would otherwise be lost silently."""

    model_config = ConfigDict(extra="forbid")

    id: int | None = None
    linkedid: str = Field(min_length=1, max_length=64)
    caller: str = Field("", max_length=64)
    caller_name: str = Field("", max_length=128)
    called: str = Field("", max_length=64)
    started_at: datetime
    answered_at: datetime | None = None
    queued_at: datetime | None = None
    agent_answered_at: datetime | None = None
    ended_at: datetime | None = None
    route: Route | None = None
    direction: Direction = Direction.INBOUND  # history from before callbacks: inbound
    agent: str | None = Field(None, max_length=16)
    disposition: Disposition
    wait_seconds: float | None = Field(None, ge=0)
    talk_seconds: float = Field(0.0, ge=0)
    hangup_cause: str = Field("", max_length=64)
    hangup_by: HangupBy | None = None
    decided_by: Decider | None = None
    partial: bool = False
    ring_attempts: list[dict[str, Any]] = []
    recording: Recording | None = None  # accepted for the export's shape, never used
    recording_error: str | None = None
    qa_flags: dict[str, Any] | None = None
    source: RecordSource = RecordSource.IMPORTED  # an export's line keeps what it said
    legs: list[LegIn] = []
    recording_file: str | None = None
    # issue 8: absent in history exported before hold and transfer were followed
    hold_seconds: float = Field(0.0, ge=0)
    agents: list[Annotated[str, Field(min_length=1, max_length=16)]] | None = None


@dataclass
class LineError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}"


@dataclass
class ImportReport:
    lines: int = 0
    imported: int = 0
    already_stored: int = 0
    recordings: int = 0
    errors: list[LineError] = field(default_factory=list)


def export_calls(store: CallStore, out: TextIO, tz: tzinfo, since: datetime | None = None,
                 until: datetime | None = None, masked: bool = False) -> int:
    """Writes the calls started in [since, until) as JSON lines, oldest id first; `masked`:
    with customers' numbers and names masked as a masked role sees them (R26)."""
    count = 0
    for call in store.iter_calls(CallFilter(since=since, until=until)):
        # Live-listening sessions stay with the database they happened on (R18).
        record = CallOut.of(call, tz)
        out.write((record.masked() if masked else record).model_dump_json(
            exclude={"live_sessions"}))
        out.write("\n")
        count += 1
    return count


def _lines(path: Path) -> Iterator[tuple[int, int, str]]:
    """(line number from 1, bytes it takes, text) of the non-blank lines."""
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            text = raw.decode("utf-8", errors="replace")
            if text.strip():
                yield number, len(raw), text
            else:
                yield number, len(raw), ""


def _aware(value: datetime | None, tz: tzinfo) -> datetime | None:
    """UTC for the store; a time without an offset is the company's local time."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)


def _wav(base: Path, name: str) -> Path:
    path = Path(name)
    return path if path.is_absolute() else base / path


def check_file(path: Path, progress: Progress = _nothing) -> ImportReport:
    """Reads the whole file and reports every bad line (by number and field)."""
    report = ImportReport()
    seen: dict[str, int] = {}
    for number, size, text in _lines(path):
        progress(size)
        if not text:
            continue
        report.lines += 1
        try:
            line = CallIn.model_validate_json(text)
        except ValidationError as e:
            for err in e.errors():
                where = ".".join(str(p) for p in err["loc"]) or "line"
                report.errors.append(LineError(number, where, err["msg"]))
            continue
        first = seen.setdefault(line.linkedid, number)
        if first != number:
            report.errors.append(LineError(number, "linkedid",
                                           f"{line.linkedid} is also on line {first}"))
        if line.recording_file is not None:
            wav = _wav(path.parent, line.recording_file)
            try:
                sf.info(str(wav))
            except (OSError, RuntimeError) as err:
                report.errors.append(LineError(number, "recording_file",
                                               f"{wav}: not a readable WAV ({err})"))
    return report


def import_calls(store: CallStore, path: Path, recordings_dir: Path, tz: tzinfo,
                 checked: Progress = _nothing, imported: Progress = _nothing) -> ImportReport:
    """Checks the file, then (only if every line is good) imports the calls not stored yet."""
    report = check_file(path, checked)
    if not report.errors:
        import_checked(store, path, recordings_dir, tz, report, imported)
    return report


def import_checked(store: CallStore, path: Path, recordings_dir: Path, tz: tzinfo,
                   report: ImportReport, progress: Progress = _nothing) -> None:
    """The second half of import_calls, for a file check_file found clean."""
    batch: list[CallIn] = []
    for _number, size, text in _lines(path):
        if text:
            batch.append(CallIn.model_validate_json(text))
        if len(batch) >= BATCH:
            _import_batch(store, batch, path.parent, recordings_dir, tz, report)
            batch = []
        progress(size)
    if batch:
        _import_batch(store, batch, path.parent, recordings_dir, tz, report)


def _import_batch(store: CallStore, batch: list[CallIn], base: Path, recordings_dir: Path,
                  tz: tzinfo, report: ImportReport) -> None:
    stored = store.existing_linkedids(line.linkedid for line in batch)
    fresh = [line for line in batch if line.linkedid not in stored]
    report.already_stored += len(batch) - len(fresh)
    if not fresh:
        return
    calls = [_row(line, base, recordings_dir, tz, report) for line in fresh]
    legs = [[_leg(leg, tz) for leg in line.legs] for line in fresh]
    store.insert_many(calls, legs)
    report.imported += len(fresh)


def _stored_attempts(attempts: list[dict[str, Any]], tz: tzinfo) -> list[dict[str, Any]]:
    """The API serves ring_attempts[].at as ISO 8601; the store keeps the tracker's epoch
    seconds (calls/schemas.py RingAttempt.of renders them)."""
    stored = []
    for attempt in attempts:
        at = attempt.get("at")
        if isinstance(at, str):
            try:
                when = _aware(datetime.fromisoformat(at), tz)
            except ValueError:
                when = None  # kept as given; served as null
            if when is not None:
                attempt = {**attempt, "at": when.timestamp()}
        stored.append(attempt)
    return stored


def _row(line: CallIn, base: Path, recordings_dir: Path, tz: tzinfo,
         report: ImportReport) -> dict[str, Any]:
    row: dict[str, Any] = {
        "linkedid": line.linkedid, "caller": line.caller, "caller_name": line.caller_name,
        "called": line.called, "started_at": _aware(line.started_at, tz),
        "answered_at": _aware(line.answered_at, tz), "queued_at": _aware(line.queued_at, tz),
        "agent_answered_at": _aware(line.agent_answered_at, tz),
        "ended_at": _aware(line.ended_at, tz), "route": line.route,
        "direction": line.direction,
        "decided_by": line.decided_by, "agent": line.agent, "disposition": line.disposition,
        "wait_seconds": line.wait_seconds, "talk_seconds": line.talk_seconds,
        "hangup_cause": line.hangup_cause, "hangup_by": line.hangup_by or "",
        "ring_attempts": _stored_attempts(line.ring_attempts, tz), "partial": line.partial,
        "recording_path": None, "recording_duration": None, "recording_channels": None,
        "recording_sha256": None, "recording_error": line.recording_error,
        "qa_flags": line.qa_flags, "source": line.source,
        "hold_seconds": line.hold_seconds,
        "agents": line.agents if line.agents is not None else (
            [line.agent] if line.agent else []),
    }
    if line.recording_file is not None:
        started = line.started_at if line.started_at.tzinfo else line.started_at.replace(
            tzinfo=tz)
        rel = relative_target(line.linkedid, started.astimezone(tz))
        target = recordings_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part.wav")
        shutil.copyfile(_wav(base, line.recording_file), partial)
        partial.replace(target)
        info = describe(target)
        row.update(recording_path=str(rel), recording_duration=info.duration_seconds,
                   recording_channels=info.channels, recording_sha256=info.sha256,
                   recording_error=None)
        report.recordings += 1
    return row


def _leg(leg: LegIn, tz: tzinfo) -> dict[str, Any]:
    return {"uniqueid": leg.uniqueid, "channel": leg.channel, "caller": leg.caller,
            "started_at": _aware(leg.started_at, tz),
            "answered_at": _aware(leg.answered_at, tz), "ended_at": _aware(leg.ended_at, tz),
            "cause": leg.cause, "cause_text": leg.cause_text}
