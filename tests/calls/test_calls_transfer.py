"""`hotline calls export` / `hotline calls import` through the real CLI (typer runner) on
temporary SQLite databases: round trip, idempotence, all-or-nothing validation, recordings."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import soundfile as sf
from typer.testing import CliRunner

from callrecords.record import CallRecord, Leg
from callrecords.store import CallStore
from domain.status import Decider, Disposition, HangupBy, Route
from hotline.cli import app

SHANGHAI = ZoneInfo("Asia/Shanghai")
runner = CliRunner()


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI).timestamp()


def _use(monkeypatch: pytest.MonkeyPatch, folder: Path) -> CallStore:
    """Points the CLI (its layered settings read the environment) at a database of its own."""
    monkeypatch.setenv("HOTLINE_STORAGE__DATABASE_URL", f"sqlite:///{folder}/t.db")
    monkeypatch.setenv("HOTLINE_STORAGE__RECORDINGS_DIR", str(folder / "recordings"))
    store = CallStore(f"sqlite:///{folder}/t.db")
    store.migrate()
    return store


def _records() -> list[CallRecord]:
    t = _epoch("2026-11-23T10:00:00.123")
    answered = CallRecord(
        "1700.1", t, caller="13800000001", caller_name="王五", called="4008001234",
        answered_at=t + 0.5, queued_at=t + 6, agent_answered_at=t + 12, ended_at=t + 90,
        route=Route.AGENT, decided_by=Decider.FASTAGI, agent="1001",
        disposition=Disposition.ANSWERED, wait_seconds=6.0, talk_seconds=78.0,
        hangup_cause="Normal Clearing", hangup_by=HangupBy.CALLER,
        ring_attempts=[{"agent": "1001", "at": t + 12, "ring_seconds": 1.0, "answered": True}],
        hold_seconds=12.5, agents=["1001", "1002"],  # issue 8: held, then transferred
        legs=[Leg("1700.1", "PJSIP/trunk-1", t, "13800000001", t + 0.5, t + 90, 16,
                  "Normal Clearing"),
              Leg("1700.2", "PJSIP/1001-2", t + 8, "4008001234", t + 12, t + 90, 16,
                  "Normal Clearing")])
    t2 = _epoch("2026-11-24T07:30:00")  # still the 23rd in UTC
    voicemail = CallRecord("1701.1", t2, caller="13800000002", route=Route.AFTER_HOURS,
                           disposition=Disposition.VOICEMAIL, ended_at=t2 + 60, partial=True)
    t3 = _epoch("2026-12-01T09:00:00")
    december = CallRecord("1702.1", t3, caller="13800000003", agent="1002", route=Route.AGENT,
                          disposition=Disposition.ANSWERED, agent_answered_at=t3 + 5,
                          ended_at=t3 + 30, talk_seconds=25.0)
    return [answered, voicemail, december]


def _export(*args: str) -> list[dict[str, object]]:
    result = runner.invoke(app, ["calls", "export", *args])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def _wav(path: Path, seconds: float = 2.0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    audio = (np.random.default_rng(3).standard_normal((int(8000 * seconds), 2)) * 2000)
    sf.write(path, audio.astype(np.int16), 8000, subtype="PCM_16")
    return path


def test_export_then_import_gives_the_same_records(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    source = _use(monkeypatch, tmp_path / "a")
    first = source.save(_records()[0])
    source.update(first, qa_flags={"dead_air": [{"start": 3.0, "end": 9.5}], "overtalk": []})
    for record in _records()[1:]:
        source.save(record)
    out = tmp_path / "calls.jsonl"
    result = runner.invoke(app, ["calls", "export", "--output", str(out)])
    assert result.exit_code == 0, result.output
    exported = [json.loads(line) for line in out.read_text().splitlines()]
    assert [c["linkedid"] for c in exported] == ["1700.1", "1701.1", "1702.1"]

    target = _use(monkeypatch, tmp_path / "b")
    result = runner.invoke(app, ["calls", "import", str(out)])
    assert result.exit_code == 0, result.output
    assert "imported 3 calls" in result.stderr
    assert _export() == exported  # ids, times, legs, ring attempts, qa_flags: all kept
    call = target.get_by_linkedid("1700.1")
    assert call is not None and call.qa_flags == {"dead_air": [{"start": 3.0, "end": 9.5}],
                                                  "overtalk": []}


def test_export_period_is_in_the_company_zone(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    store = _use(monkeypatch, tmp_path)
    for record in _records():
        store.save(record)
    lines = _export("--since", "2026-11-24T00:00:00", "--until", "2026-12-01T00:00:00")
    assert [c["linkedid"] for c in lines] == ["1701.1"]


def test_import_twice_adds_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = _use(monkeypatch, tmp_path / "a")
    for record in _records():
        source.save(record)
    out = tmp_path / "calls.jsonl"
    assert runner.invoke(app, ["calls", "export", "-o", str(out)]).exit_code == 0
    _use(monkeypatch, tmp_path / "b")
    assert runner.invoke(app, ["calls", "import", str(out)]).exit_code == 0
    again = runner.invoke(app, ["calls", "import", str(out)])
    assert again.exit_code == 0, again.output
    assert "imported 0 calls" in again.stderr and "3 already stored" in again.stderr
    assert len(_export()) == 3


def test_a_bad_line_imports_nothing_and_names_line_and_field(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = _use(monkeypatch, tmp_path)
    good = {"linkedid": "9.1", "started_at": "2026-11-23T10:00:00+08:00",
            "disposition": "answered", "agent": "1001", "talk_seconds": 10}
    lines = [
        good,
        {**good, "linkedid": "9.2", "disposition": "lost"},
        {**good, "linkedid": "9.3", "talk_seconds": -1},
        {**good, "linkedid": "9.4"},
        {**good, "linkedid": "9.1"},
        {**good, "linkedid": "9.5", "recording_file": "nowhere.wav"},
        {**good, "linkedid": "9.6", "colour": "blue"},
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n{not json\n")
    result = runner.invoke(app, ["calls", "import", str(path)])
    assert result.exit_code == 1
    err = result.stderr
    assert "line 2: disposition:" in err
    assert "line 3: talk_seconds:" in err
    assert "line 5: linkedid: 9.1 is also on line 1" in err
    assert "line 6: recording_file:" in err
    assert "line 7: colour:" in err
    assert "line 8:" in err
    assert "line 1:" not in err and "line 4:" not in err
    assert "nothing imported" in err
    assert store.get_by_linkedid("9.1") is None  # the good lines were not imported either


def test_recording_file_is_copied_measured_and_linked(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    store = _use(monkeypatch, tmp_path / "db")
    wav = _wav(tmp_path / "old-system" / "a.wav", seconds=2.5)
    line = {"linkedid": "7.1", "started_at": "2026-11-23T23:30:00+08:00",
            "disposition": "answered", "agent": "1001", "talk_seconds": 2.5,
            "recording": {"duration_seconds": 99, "channels": 1, "sha256": "x",
                          "url": "/calls/5/recording"},
            "recording_file": "old-system/a.wav"}  # relative to the import file's folder
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(line) + "\n")
    result = runner.invoke(app, ["calls", "import", str(path)])
    assert result.exit_code == 0, result.output
    call = store.get_by_linkedid("7.1")
    assert call is not None
    assert call.recording_path == "2026/11/23/7.1.wav"  # the company's day, like live calls
    copied = tmp_path / "db" / "recordings" / "2026/11/23/7.1.wav"
    assert copied.read_bytes() == wav.read_bytes()
    assert call.recording_duration == 2.5 and call.recording_channels == 2
    assert call.recording_sha256 == hashlib.sha256(wav.read_bytes()).hexdigest()
    exported = _export()[0]
    assert exported["recording"] == {"duration_seconds": 2.5, "channels": 2,
                                     "sha256": call.recording_sha256,
                                     "url": f"/calls/{call.id}/recording"}


def test_without_recording_file_a_call_has_no_recording(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _use(monkeypatch, tmp_path)
    line = {"linkedid": "8.1", "started_at": "2026-11-23T10:00:00", "disposition": "missed",
            "recording": {"duration_seconds": 9, "channels": 2, "sha256": "y",
                          "url": "/calls/1/recording"}}
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(line) + "\n")
    assert runner.invoke(app, ["calls", "import", str(path)]).exit_code == 0
    exported = _export()[0]
    assert exported["recording"] is None
    assert exported["started_at"] == "2026-11-23T10:00:00.000+08:00"  # naive = company zone


def test_history_exported_before_hold_and_transfer_imports(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A line without hold_seconds and agents (issue 8) is an older export: no hold, and its
    one agent is the whole list."""
    store = _use(monkeypatch, tmp_path)
    old = {"linkedid": "9.1", "started_at": "2026-11-23T10:00:00", "agent": "1001",
           "disposition": "answered", "talk_seconds": 30.0}
    source = tmp_path / "old.jsonl"
    source.write_text(json.dumps(old) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["calls", "import", str(source)])
    assert result.exit_code == 0, result.output
    call = store.get_by_linkedid("9.1")
    assert call is not None and call.hold_seconds == 0.0 and call.agents == ["1001"]
    [line] = _export()
    assert line["hold_seconds"] == 0.0 and line["agents"] == ["1001"]


def test_a_masked_export_hides_customers_numbers_and_names(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = _use(monkeypatch, tmp_path)
    for record in _records():
        store.save(record)
    full, masked = _export(), _export("--masked")
    assert full[0]["caller"] == "13800000001"  # a backup keeps them (R12)
    first: dict[str, Any] = dict(masked[0])
    assert (first["caller"], first["caller_name"], first["called"]) == (
        "138****0001", "王*", "4008001234")
    assert [leg["caller"] for leg in first["legs"]] == ["138****0001", "4008001234"]
    assert [c["caller"] for c in masked] == ["138****0001", "138****0002", "138****0003"]
