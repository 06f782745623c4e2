"""`hotline recordings analyze --call ID` (issue 12): a stored call's recording, analysed with
the exclusions the service applies (the IVR's greeting and queue up to the agent's answer, plus
the agent-number announcement), from the configuration's database and recordings folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import soundfile as sf
from recording_synth import build_call, write_wav
from typer.testing import CliRunner

from callrecords.record import CallRecord
from callrecords.store import CallStore
from recordings.analysis.cli import app

runner = CliRunner()
STARTED = 1795399200.0  # 2026-11-23T10:00:00+08:00


@pytest.fixture
def service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[CallStore, Path]:
    env = {"HOTLINE_STORAGE__DATABASE_URL": f"sqlite:///{tmp_path}/calls.db",
           "HOTLINE_STORAGE__RECORDINGS_DIR": str(tmp_path / "rec"),
           "HOTLINE_STORAGE__ASTERISK_ROOT": str(tmp_path / "root")}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    store = CallStore(env["HOTLINE_STORAGE__DATABASE_URL"])
    store.migrate()
    return store, tmp_path


def test_a_call_is_analysed_without_its_greeting_queue_and_announcement(service) -> None:
    store, base = service
    # 6 s of IVR greeting and queue on the "heard" side, the agent answers at 6 s; its number
    # is announced for 1.5 s (the prompt rendered for agent 1001), then a conversation.
    prompts = base / "root" / "srv" / "hotline" / "hotline" / "prompts"
    prompts.mkdir(parents=True)
    sf.write(prompts / "agent_intro_1001.wav", [0.0] * 12000, 8000)
    rel = "2026/11/23/1.1.wav"
    (base / "rec" / rel).parent.mkdir(parents=True)
    write_wav(base / "rec" / rel, build_call(20.0, caller=[(9.0, 12.0), (16.0, 18.0)],
                                             agent=[(0.2, 7.4), (12.5, 15.5)], seed=3))
    record = CallRecord("1.1", STARTED, caller="13900000000", answered_at=STARTED,
                        agent_answered_at=STARTED + 6.0, agent="1001", ended_at=STARTED + 20)
    call_id = store.save(record)
    store.update(call_id, recording_path=rel)

    result = runner.invoke(app, ["analyze", "--call", str(call_id)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["call"] == call_id
    assert data["excluded"] == [{"start": 0.0, "end": 7.5}]
    # The greeting (0.2-7.4) is not the agent talking; only 12.5-15.5 is.
    assert 2.5 <= data["speech_seconds"]["agent"] <= 3.5
    plain = json.loads(runner.invoke(app, ["analyze", str(base / "rec" / rel)]).stdout)
    assert plain["speech_seconds"]["agent"] > data["speech_seconds"]["agent"] + 5


def test_unknown_call_and_call_without_recording_are_one_line_errors(service) -> None:
    store, _ = service
    result = runner.invoke(app, ["analyze", "--call", "99"])
    assert result.exit_code == 2 and "there is no call 99" in result.stderr
    call_id = store.save(CallRecord("2.1", STARTED))
    store.update(call_id, recording_error="MixMonitor produced no file")
    result = runner.invoke(app, ["analyze", "--call", str(call_id)])
    assert result.exit_code == 2
    assert f"call {call_id} has no recording: MixMonitor produced no file" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_neither_files_nor_call_is_a_usage_error() -> None:
    result = runner.invoke(app, ["analyze"])
    assert result.exit_code == 2 and "--call" in result.output
