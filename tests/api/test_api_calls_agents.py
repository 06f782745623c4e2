"""GET /calls?agent= finds the calls an agent took by transfer, not only those it answered first
(issue 8), and an agent token's own calls are the same ones: the calls whose `agents` list it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from api_fixtures import QA, World, auth, build_world, make_settings
from fastapi.testclient import TestClient
from test_api_privacy import AGENT_1001, AGENT_1002, SUPERVISOR, TOKENS

from api.app import create_app
from callrecords.record import CallRecord
from domain.status import Disposition, Route

TRANSFERRED = "1800.1"  # answered by 1001, passed to 1002


@pytest.fixture
def transfer_client(tmp_path: Path) -> Iterator[tuple[World, TestClient]]:
    world = build_world(tmp_path)
    start = datetime(2026, 11, 25, 2, 0, tzinfo=UTC).timestamp()
    world.ids[TRANSFERRED] = world.store.save(CallRecord(
        TRANSFERRED, start, caller="13800000009", answered_at=start, ended_at=start + 60,
        route=Route.AGENT, agent="1001", agents=["1001", "1002"],
        disposition=Disposition.ANSWERED, talk_seconds=50.0))
    settings = make_settings(tmp_path, HOTLINE_API__TOKENS=TOKENS,
                             HOTLINE_PRIVACY__UNMASKED_ROLES='["admin", "supervisor"]')
    with TestClient(create_app(settings, world.store), raise_server_exceptions=False) as c:
        yield world, c


def _listed(client: TestClient, token: str, **params: str) -> dict[str, Any]:
    r = client.get("/calls", params=params, headers=auth(token))
    assert r.status_code == 200, r.text
    page = dict(r.json())
    assert page["total"] == len(page["items"])
    return {c["linkedid"]: c for c in page["items"]}


def test_a_supervisor_finds_the_call_under_each_of_its_agents(
        transfer_client: tuple[World, TestClient]) -> None:
    _world, client = transfer_client
    by_1002 = _listed(client, SUPERVISOR, agent="1002")
    assert set(by_1002) == {TRANSFERRED, "1703.1", "1704.1"}
    call = by_1002[TRANSFERRED]
    assert call["agent"] == "1001" and call["agents"] == ["1001", "1002"]
    assert TRANSFERRED in _listed(client, SUPERVISOR, agent="1001")
    assert TRANSFERRED in _listed(client, QA, agent="1002", disposition="answered")
    assert _listed(client, SUPERVISOR, agent="1002", disposition="abandoned").keys() <= {
        "1703.1", "1704.1"}
    assert _listed(client, SUPERVISOR, agent="1009") == {}


def test_an_agent_token_lists_the_calls_it_took_by_transfer(
        transfer_client: tuple[World, TestClient]) -> None:
    world, client = transfer_client
    own = _listed(client, AGENT_1002)
    assert TRANSFERRED in own and own[TRANSFERRED]["caller"] == "13800000009"  # its own: unmasked
    assert own.keys() == _listed(client, AGENT_1002, agent="1002").keys()
    assert _listed(client, AGENT_1002, agent="1001") == {}  # another agent's filter: nothing
    # The same calls one by one: GET /calls/{id} lets it read what the list shows, no more.
    for linkedid, call_id in world.ids.items():
        r = client.get(f"/calls/{call_id}", headers=auth(AGENT_1002))
        assert (r.status_code == 200) == (linkedid in own), linkedid
    assert TRANSFERRED in _listed(client, AGENT_1001)
