"""A seeded history for the QA tests: many agents over three months, written as JSON lines
and loaded with the real `hotline calls import`, then served by the real app (TestClient).

Agents 2001-2010 handled 30 x k calls in September (k = 1..10), 2011 handled 700, 2012 none.
In October each agent has 20 ordinary recorded calls (talk 60-200 s, answered in 5 s), two
short ones (10 s) and one long one (400 s) in periods that met the answer-rate target. On
2026-10-14 10:00-11:00 the queue missed its target: ten calls waited 60 s (two long, one of
exactly 300 s) and four gave up. August and September also hold a few recorded calls of 2010
and 2011 for the R21 reviews."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import soundfile as sf
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from callrecords.store import CallStore
from domain.clock import ManualClock
from hotline.cli import app as cli
from settings import Settings, load_settings

ZONE = ZoneInfo("Asia/Shanghai")
QA, SUPERVISOR, ADMIN, TICKET, AGENT = ("tok-qa-000000", "tok-sup-000000", "tok-adm-000000",
                                        "tok-tic-000000", "tok-agent2001-0")
SEPTEMBER = {f"{2000 + k}": 30 * k for k in range(1, 11)} | {"2011": 700}
AGENTS = [f"{a}" for a in range(2001, 2013)]


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def call_line(linkedid: str, agent: str | None, answered: datetime, talk: float,
              wait: float = 5.0, recording: Path | None = None,
              qa_flags: dict[str, Any] | None = None) -> dict[str, Any]:
    queued = answered - timedelta(seconds=wait)
    line: dict[str, Any] = {
        "linkedid": linkedid, "caller": "13900000000", "called": "4008001234",
        "started_at": (queued - timedelta(seconds=6)).isoformat(),
        "queued_at": queued.isoformat(), "route": "agent"}
    if agent is None:  # gave up in the queue
        line.update(disposition="abandoned", ended_at=answered.isoformat(),
                    wait_seconds=wait)
        return line
    line.update(agent=agent, disposition="answered", agent_answered_at=answered.isoformat(),
                ended_at=(answered + timedelta(seconds=talk)).isoformat(), wait_seconds=wait,
                talk_seconds=talk)
    if recording is not None:
        line["recording_file"] = str(recording)
    if qa_flags is not None:
        line["qa_flags"] = qa_flags
    return line


def history(wav: Path) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    for agent, count in SEPTEMBER.items():
        reviewed = agent in ("2010", "2011")  # one September call of theirs is below
        for n in range(count - reviewed):
            at = datetime(2026, 9, 1 + n % 30, 9, tzinfo=ZONE) + timedelta(seconds=37 * n)
            lines.append(call_line(f"sep-{agent}-{n}", agent, at, 120))
    for agent in ("2010", "2011"):
        for month in (8, 9):
            at = datetime(2026, month, 20, 15, tzinfo=ZONE)
            lines.append(call_line(f"rev-{month}-{agent}", agent, at, 90, recording=wav))
    for a, agent in enumerate(AGENTS):
        for n in range(20):
            at = datetime(2026, 10, 1 + n, 9 + n % 8, 10 + a, tzinfo=ZONE)
            lines.append(call_line(f"oct-{agent}-{n}", agent, at, 60 + 7 * n, recording=wav))
        for n in range(2):
            at = datetime(2026, 10, 22 + n, 16, 30 + a, tzinfo=ZONE)
            lines.append(call_line(f"short-{agent}-{n}", agent, at, 10, recording=wav))
        at = datetime(2026, 10, 24, 9, 5 + a, tzinfo=ZONE)
        lines.append(call_line(f"long-ok-{agent}", agent, at, 400, recording=wav))
    # A call whose recording analysis flagged dead air and overtalk (R23's automatic flags).
    flags = {"dead_air": [{"start": 12.0, "end": 19.5}, {"start": 40.0, "end": 46.0}],
             "overtalk": [{"start": 25.0, "end": 26.5, "by": "agent"},
                          {"start": 30.0, "end": 31.2, "by": "caller"}]}
    lines.append(call_line("flagged", "2012", datetime(2026, 10, 28, 11, tzinfo=ZONE), 80,
                           recording=wav, qa_flags=flags))
    # The missed period: 2026-10-14 10:00-11:00.
    slow = [("2001", 400.0), ("2002", 300.0), ("2003", 450.0)] + [("2004", 90.0)] * 7
    for n, (agent, talk) in enumerate(slow):
        at = datetime(2026, 10, 14, 10, 5 + 5 * n, tzinfo=ZONE)
        lines.append(call_line(f"slow-{n}", agent, at, talk, wait=60, recording=wav))
    for n in range(4):
        at = datetime(2026, 10, 14, 10, 7 + 5 * n, tzinfo=ZONE)
        lines.append(call_line(f"gaveup-{n}", None, at, 0, wait=80))
    return lines


def write_wav(path: Path, seconds: float = 0.2) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    audio = np.zeros((int(8000 * seconds), 2), dtype=np.int16)
    sf.write(path, audio, 8000, subtype="PCM_16")
    return path


@dataclass
class QaWorld:
    folder: Path
    settings: Settings
    store: CallStore
    client: TestClient
    clock: ManualClock
    env: dict[str, str]

    def call_id(self, linkedid: str) -> int:
        call = self.store.get_by_linkedid(linkedid)
        assert call is not None, linkedid
        return call.id

    def linkedid(self, call_id: int) -> str:
        call = self.store.get(call_id)
        assert call is not None
        return call.linkedid


def environment(folder: Path, **qa: str) -> dict[str, str]:
    tokens = (f'{{ "{QA}" = "qa", "{SUPERVISOR}" = "supervisor", "{ADMIN}" = "admin", '
              f'"{TICKET}" = "ticket", "{AGENT}" = "agent:2001" }}')
    env = {"HOTLINE_STORAGE__DATABASE_URL": f"sqlite:///{folder}/qa.db",
           "HOTLINE_STORAGE__RECORDINGS_DIR": str(folder / "recordings"),
           "HOTLINE_API__TOKENS": tokens}
    env.update({f"HOTLINE_QA__{k.upper()}": v for k, v in qa.items()})
    return env


def import_lines(path: Path, lines: list[dict[str, Any]], env: dict[str, str]) -> None:
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines))
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        result = CliRunner().invoke(cli, ["calls", "import", str(path)])
    assert result.exit_code == 0, result.output


def make_world(folder: Path, **qa: str) -> Iterator[QaWorld]:
    env = environment(folder, **qa)
    wav = write_wav(folder / "seed" / "call.wav")
    import_lines(folder / "history.jsonl", history(wav), env)
    settings = load_settings(environ=env)
    store = CallStore(settings.storage.database_url)
    clock = ManualClock(datetime(2026, 11, 2, 9, tzinfo=ZONE))
    with TestClient(create_app(settings, store, clock=clock),
                    raise_server_exceptions=False) as client:
        yield QaWorld(folder, settings, store, client, clock, env)
