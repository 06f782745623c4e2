"""Helpers and fixtures for the API tests: a temporary SQLite store with a handful of calls, a
real WAV in a temporary recordings folder, and Settings built the way operators build them
(env layer). A uniquely named module rather than conftest, so that `from api_fixtures import`
cannot pick up another folder's conftest."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import soundfile as sf
from fastapi.testclient import TestClient

from api.app import create_app
from callrecords.record import CallRecord, Leg
from callrecords.store import CallStore
from domain.status import Decider, Disposition, HangupBy, Route
from settings import Settings, load_settings

SHANGHAI = ZoneInfo("Asia/Shanghai")
QA, ADMIN, TICKET = "tok-qa-0123456789", "tok-admin-0123456789", "tok-ticket-0123456789"


def epoch(text: str) -> float:
    """'2026-11-23T10:00:00.123' in Shanghai time -> Unix time."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI).timestamp()


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class World:
    settings: Settings
    store: CallStore
    recordings: Path
    wav: Path
    ids: dict[str, int]  # linkedid -> call id


def make_settings(tmp_path: Path, **extra: str) -> Settings:
    env = {
        "HOTLINE_STORAGE__RECORDINGS_DIR": str(tmp_path / "recordings"),
        "HOTLINE_STORAGE__DATABASE_URL": f"sqlite:///{tmp_path}/t.db",
        "HOTLINE_API__TOKENS": (f'{{ "{QA}" = "qa", "{ADMIN}" = "admin", '
                                f'"{TICKET}" = "ticket" }}'),
        "HOTLINE_API__PAGE_SIZE_MAX": "20",
        **extra,
    }
    return load_settings(environ=env)


def _records() -> list[CallRecord]:
    t1 = epoch("2026-11-23T10:00:00.123")
    answered = CallRecord(
        "1700.1", t1, caller="13800000001", caller_name="王五", called="4008001234",
        answered_at=t1 + 0.5, queued_at=t1 + 6, agent_answered_at=t1 + 12, ended_at=t1 + 90,
        route=Route.AGENT, decided_by=Decider.FASTAGI, agent="1001",
        disposition=Disposition.ANSWERED,
        wait_seconds=6.0, talk_seconds=78.0, hangup_cause="Normal Clearing",
        hangup_by=HangupBy.CALLER,
        # The tracker's shape: one entry per agent phone rung (calls/tracker.py).
        ring_attempts=[{"agent": "1002", "at": t1 + 11, "ring_seconds": 5.0, "answered": False},
                       {"agent": "1001", "at": t1 + 12, "ring_seconds": 1.0, "answered": True}],
        legs=[Leg("1700.1", "PJSIP/trunk-00000001", t1, "13800000001", t1 + 0.5, t1 + 90,
                  16, "Normal Clearing"),
              Leg("1700.2", "PJSIP/1001-00000002", t1 + 8, "4008001234", t1 + 12, t1 + 90,
                  16, "Normal Clearing")])
    t2 = epoch("2026-11-23T12:30:00")
    abandoned = CallRecord("1701.1", t2, caller="13800000002", disposition=Disposition.ABANDONED,
                           route=Route.AGENT, answered_at=t2 + 1, queued_at=t2 + 5,
                           ended_at=t2 + 40, wait_seconds=35.0)
    # 07:30 in Shanghai is still the 22nd in UTC: only found for the 23rd if naive times are
    # read in the company's zone.
    t3 = epoch("2026-11-23T07:30:00")
    voicemail = CallRecord("1702.1", t3, caller="13800000001", disposition=Disposition.VOICEMAIL,
                           route=Route.AFTER_HOURS, ended_at=t3 + 60)
    # 06:00 on the 24th in Shanghai is still the 23rd in UTC.
    t4 = epoch("2026-11-24T06:00:00")
    escaping = CallRecord("1703.1", t4, caller="13800000003", agent="1002",
                          disposition=Disposition.ANSWERED, route=Route.AGENT, ended_at=t4 + 30)
    t5 = epoch("2026-11-24T09:00:00")
    lost = CallRecord("1704.1", t5, caller="13800000004", agent="1002",
                      disposition=Disposition.ANSWERED, route=Route.AGENT, ended_at=t5 + 30)
    t6 = epoch("2026-11-24T10:00:00")
    failed = CallRecord("1705.1", t6, caller="13800000005", disposition=Disposition.MISSED,
                        partial=True)
    return [answered, abandoned, voicemail, escaping, lost, failed]


def _write_wav(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    # 3 s of 8 kHz stereo 16-bit: ~96 kB, more than one streaming chunk.
    audio = (rng.standard_normal((24000, 2)) * 3000).astype(np.int16)
    sf.write(path, audio, 8000, subtype="PCM_16")


@pytest.fixture
def world(tmp_path: Path) -> World:
    return build_world(tmp_path)


def build_world(tmp_path: Path) -> World:
    """The store with its calls and recordings (also used outside fixtures, by the fuzzer)."""
    settings = make_settings(tmp_path)
    store = CallStore(settings.storage.database_url)
    store.migrate()
    ids = {r.linkedid: store.save(r) for r in _records()}
    recordings = Path(settings.storage.recordings_dir)
    wav = recordings / "2026" / "11" / "23" / "1700.1.wav"
    _write_wav(wav)
    (tmp_path / "outside.wav").write_bytes(wav.read_bytes())
    sha = hashlib.sha256(wav.read_bytes()).hexdigest()
    store.update(ids["1700.1"], recording_path="2026/11/23/1700.1.wav",
                 recording_duration=3.0, recording_channels=2, recording_sha256=sha,
                 # The analysis' shape (recordings.analysis AnalysisResult.to_dict), abridged.
                 qa_flags={"dead_air": [{"start": 0.5, "end": 6.0}],
                           "overtalk": [{"start": 1.0, "end": 2.5, "by": "agent"}],
                           "talk_ratio": 0.5})
    store.update(ids["1703.1"], recording_path="../outside.wav", recording_sha256=sha)
    store.update(ids["1704.1"], recording_path="2026/11/24/1704.1.wav")
    store.update(ids["1705.1"], recording_error="MixMonitor produced no file")
    return World(settings, store, recordings, wav, ids)


@pytest.fixture
def make_client(world: World) -> Iterator[Callable[..., TestClient]]:
    clients: list[TestClient] = []

    def make(health: Callable[[], dict[str, Any]] | None = None,
             store: CallStore | None = None) -> TestClient:
        app = create_app(world.settings, store or world.store, health)
        client = TestClient(app, raise_server_exceptions=False)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()
