"""R26 over the API: callers' and customers' numbers masked for roles without the right to see
them (`[privacy] unmasked_roles`), an agent token seeing its own calls' numbers, and searching
by number refused for masked roles."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_fixtures import ADMIN, QA, TICKET, World, auth, build_world, make_settings
from fastapi.testclient import TestClient

from api.app import create_app
from settings import ConfigError

SUPERVISOR, AGENT_1001, AGENT_1002 = "tok-super-0123456789", "tok-a1001-012345", "tok-a1002-012345"
TOKENS = (f'{{ "{QA}" = "qa", "{ADMIN}" = "admin", "{TICKET}" = "ticket", '
          f'"{SUPERVISOR}" = "supervisor", "{AGENT_1001}" = "agent:1001", '
          f'"{AGENT_1002}" = "agent:1002" }}')


@pytest.fixture
def privacy_client(tmp_path: Path) -> Iterator[tuple[World, TestClient]]:
    """QA and agents masked, the others not: the setting as a privacy-minded centre writes it."""
    world = build_world(tmp_path)
    settings = make_settings(tmp_path, HOTLINE_API__TOKENS=TOKENS,
                             HOTLINE_PRIVACY__UNMASKED_ROLES='["admin", "supervisor", "ticket"]')
    with TestClient(create_app(settings, world.store), raise_server_exceptions=False) as c:
        yield world, c


def _call(client: TestClient, world: World, token: str, linkedid: str = "1700.1"
          ) -> dict[str, Any]:
    r = client.get(f"/calls/{world.ids[linkedid]}", headers=auth(token))
    assert r.status_code == 200, r.text
    return dict(r.json())


@pytest.mark.parametrize("token", [ADMIN, SUPERVISOR, TICKET])
def test_unmasked_roles_see_numbers_in_full(privacy_client: tuple[World, TestClient],
                                            token: str) -> None:
    world, client = privacy_client
    call = _call(client, world, token)
    assert (call["caller"], call["caller_name"]) == ("13800000001", "王五")
    assert call["legs"][0]["caller"] == "13800000001"


def test_a_masked_role_sees_masked_numbers_everywhere_in_a_record(
        privacy_client: tuple[World, TestClient]) -> None:
    world, client = privacy_client
    call = _call(client, world, QA)
    assert (call["caller"], call["caller_name"]) == ("138****0001", "王*")
    assert call["legs"][0]["caller"] == "138****0001"
    # The hotline's own number and the agents' 工号 are not the customer's: left readable.
    assert call["called"] == "4008001234" and call["legs"][1]["caller"] == "4008001234"
    assert call["agent"] == "1001"
    listed = client.get("/calls", headers=auth(QA)).json()["items"]
    assert listed and all("*" in c["caller"] for c in listed)
    assert "13800000001" not in client.get("/calls", headers=auth(QA)).text


def test_an_agent_sees_the_numbers_of_its_own_calls_only(
        privacy_client: tuple[World, TestClient]) -> None:
    world, client = privacy_client
    assert _call(client, world, AGENT_1001)["caller"] == "13800000001"  # its call
    # Another agent's call is not there for it at all (issue 10), so no number to mask.
    r = client.get(f"/calls/{world.ids['1700.1']}", headers=auth(AGENT_1002))
    assert (r.status_code, r.json()["error_id"]) == (404, "call.not_found")
    assert _call(client, world, AGENT_1002, "1703.1")["caller"] == "13800000003"  # its own
    listed = {c["linkedid"]: c["caller"] for c in
              client.get("/calls", headers=auth(AGENT_1002)).json()["items"]}
    assert listed == {"1703.1": "13800000003", "1704.1": "13800000004"}


def test_searching_by_number(privacy_client: tuple[World, TestClient]) -> None:
    _world, client = privacy_client
    r = client.get("/calls", params={"caller": "13800000001"}, headers=auth(SUPERVISOR))
    assert r.json()["total"] == 2  # 1700.1 and 1702.1
    r = client.get("/calls", params={"caller": "13800000001"}, headers=auth(QA))
    assert (r.status_code, r.json()["error_id"]) == (403, "privacy.number_filter_forbidden")
    assert r.json()["details"] == {"field": "caller"}
    # An agent finds, by number, only the calls it sees the numbers of.
    r = client.get("/calls", params={"caller": "13800000001"}, headers=auth(AGENT_1001))
    assert [c["linkedid"] for c in r.json()["items"]] == ["1700.1"]
    r = client.get("/calls", params={"caller": "13800000001"}, headers=auth(AGENT_1002))
    assert r.json()["total"] == 0
    r = client.get("/calls", params={"caller": "13800000001", "agent": "1002"},
                   headers=auth(AGENT_1001))
    assert r.json()["total"] == 0


def test_by_default_every_staff_role_and_the_integration_see_numbers(world: World) -> None:
    settings = make_settings(world.recordings.parent, HOTLINE_API__TOKENS=TOKENS)
    assert settings.privacy.unmasked_roles == ["admin", "supervisor", "qa", "ticket"]
    with TestClient(create_app(settings, world.store)) as client:
        for token in (ADMIN, SUPERVISOR, QA, TICKET):
            assert _call(client, world, token)["caller"] == "13800000001"
        assert client.get(f"/calls/{world.ids['1700.1']}",
                          headers=auth(AGENT_1002)).status_code == 404  # not its call


def test_a_bad_role_in_the_setting_is_refused_naming_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"privacy\.unmasked_roles"):
        make_settings(tmp_path, HOTLINE_PRIVACY__UNMASKED_ROLES='["boss"]')
