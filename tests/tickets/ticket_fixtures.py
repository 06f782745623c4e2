"""A ticket API on a temporary SQLite store with a ManualClock (time is made, not waited
for), and one token per role."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from callrecords.record import CallRecord
from callrecords.store import CallStore
from domain.clock import ManualClock
from domain.status import Disposition
from settings import Settings, load_settings

SH = ZoneInfo("Asia/Shanghai")
TOKENS = {"admin": "tok-admin-000", "supervisor": "tok-super-000", "qa": "tok-qa-000",
          "ticket": "tok-ticket-000", "agent:1001": "tok-agent-1001",
          "agent:1002": "tok-agent-1002"}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


@dataclass
class Desk:
    client: TestClient
    clock: ManualClock
    store: CallStore
    settings: Settings
    call_id: int

    def as_(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {TOKENS[role]}"}

    def create(self, role: str = "admin", **body: Any) -> dict[str, Any]:
        r = self.client.post("/tickets", json=body, headers=self.as_(role))
        assert r.status_code == 201, r.text
        return dict(r.json())

    def event(self, ticket_id: int, role: str = "admin", **body: Any) -> Any:
        return self.client.post(f"/tickets/{ticket_id}/events", json=body,
                                headers=self.as_(role))

    def ok(self, ticket_id: int, role: str = "admin", **body: Any) -> dict[str, Any]:
        r = self.event(ticket_id, role, **body)
        assert r.status_code == 200, r.text
        return dict(r.json())

    def get(self, ticket_id: int, role: str = "admin") -> dict[str, Any]:
        r = self.client.get(f"/tickets/{ticket_id}", headers=self.as_(role))
        assert r.status_code == 200, r.text
        return dict(r.json())


def settings_for(tmp_path: Path, **env: str) -> Settings:
    tokens = ", ".join(f'"{t}" = "{role}"' for role, t in TOKENS.items())
    return load_settings(environ={
        "HOTLINE_STORAGE__DATABASE_URL": f"sqlite:///{tmp_path}/t.db",
        "HOTLINE_STORAGE__RECORDINGS_DIR": str(tmp_path / "recordings"),
        "HOTLINE_API__TOKENS": "{ " + tokens + " }", **env})


@pytest.fixture
def make_desk(tmp_path: Path) -> Iterator[Callable[..., Desk]]:
    clients: list[TestClient] = []

    def make(start: str = "2026-11-23T10:00:00", **env: str) -> Desk:
        settings = settings_for(tmp_path, **env)
        store = CallStore(settings.storage.database_url)
        store.migrate()
        t = at("2026-11-23T09:55:00").timestamp()
        call_id = store.save(CallRecord("1800.1", t, caller="13800000001", ended_at=t + 60,
                                        disposition=Disposition.ANSWERED))
        clock = ManualClock(at(start))
        client = TestClient(create_app(settings, store, clock=clock),
                            raise_server_exceptions=False)
        clients.append(client)
        return Desk(client, clock, store, settings, call_id)

    yield make
    for c in clients:
        c.close()


@pytest.fixture
def desk(make_desk: Callable[..., Desk]) -> Desk:
    return make_desk()
