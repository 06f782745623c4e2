"""/agents through the API (R24), without a bridge: the presence is recorded and served; the
state machine's refusals are 409, bad input 422 naming the field, and an agent token acts on
itself only. (Applied to Asterisk: tests/telephony/test_presence.py.)"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from api_fixtures import auth, make_settings
from fastapi.testclient import TestClient

from agents.presence import Stamped
from api.app import create_app
from callrecords.store import CallStore
from domain.clock import ManualClock
from ivr.ami_actions import AmiError

SUP, QA_T, AGENT1, AGENT2 = "sup-0123456789", "qa-0123456789", "agent1-0123456", "agent2-01234"
T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def client(tmp_path: Path, clock: ManualClock) -> Iterator[TestClient]:
    settings = make_settings(tmp_path, HOTLINE_QUEUE__SIGN_IN="required", HOTLINE_API__TOKENS=(
        f'{{ "{SUP}" = "supervisor", "{QA_T}" = "qa", "{AGENT1}" = "agent:1001", '
        f'"{AGENT2}" = "agent:1002" }}'))
    store = CallStore(settings.storage.database_url)
    store.migrate()
    with TestClient(create_app(settings, store, clock=clock)) as c:
        yield c


def post(client: TestClient, agent: str, body: object, token: str = SUP):  # type: ignore[no-untyped-def]
    return client.post(f"/agents/{agent}/presence", json=body, headers=auth(token))


def test_required_agents_start_signed_out(client: TestClient) -> None:
    answer = client.get("/agents", headers=auth(QA_T))
    assert answer.status_code == 200
    assert answer.json() == [
        {"agent": "1001", "name": "张三", "registered": False, "state": "signed_out",
         "pause_reason": None, "since": None, "current_call_id": None},
        {"agent": "1002", "name": "李四", "registered": False, "state": "signed_out",
         "pause_reason": None, "since": None, "current_call_id": None}]


def test_sign_in_pause_resume_sign_out_and_the_trail(client: TestClient,
                                                     clock: ManualClock) -> None:
    answer = post(client, "1001", {"action": "sign_in"})
    assert answer.status_code == 200
    assert answer.json()["state"] == "available"
    assert answer.json()["since"] == "2026-11-23T10:00:00.000+08:00"
    clock.advance(minutes=30)
    answer = post(client, "1001", {"action": "pause", "reason": "lunch"})
    assert (answer.json()["state"], answer.json()["pause_reason"]) == ("paused", "lunch")
    clock.advance(minutes=45)
    assert post(client, "1001", {"action": "resume", "reason": None}).json()["state"] == \
        "available"
    clock.advance(hours=7)
    assert post(client, "1001", {"action": "sign_out"}).json()["state"] == "signed_out"

    trail = client.get("/agents/1001/presence", headers=auth(QA_T)).json()
    assert trail == [
        {"at": "2026-11-23T10:00:00.000+08:00", "from": "signed_out", "to": "available",
         "reason": "", "via": "api", "by": "supervisor"},
        {"at": "2026-11-23T10:30:00.000+08:00", "from": "available", "to": "paused",
         "reason": "lunch", "via": "api", "by": "supervisor"},
        {"at": "2026-11-23T11:15:00.000+08:00", "from": "paused", "to": "available",
         "reason": "", "via": "api", "by": "supervisor"},
        {"at": "2026-11-23T18:15:00.000+08:00", "from": "available", "to": "signed_out",
         "reason": "", "via": "api", "by": "supervisor"}]
    # since includes, until excludes; times without an offset are the company's.
    window = client.get("/agents/1001/presence", headers=auth(QA_T),
                        params={"since": "2026-11-23T10:30:00", "until": "2026-11-23T18:15:00"})
    assert [e["to"] for e in window.json()] == ["paused", "available"]


@pytest.mark.parametrize(("setup", "action"), [
    ([], "resume"), ([], "pause"), ([], "sign_out"),
    (["sign_in"], "sign_in"), (["sign_in"], "resume"),
    (["sign_in", "pause"], "pause"), (["sign_in", "pause"], "sign_in")])
def test_an_action_that_makes_no_sense_is_409(client: TestClient, setup: list[str],
                                               action: str) -> None:
    for step in setup:
        assert post(client, "1002", {"action": step}).status_code == 200
    answer = post(client, "1002", {"action": action})
    assert answer.status_code == 409
    assert answer.json()["error_id"] == "agent.presence_invalid"
    assert answer.json()["details"]["action"] == action
    assert len(client.get("/agents/1002/presence", headers=auth(SUP)).json()) == len(setup)


@pytest.mark.parametrize(("agent", "body", "error_id", "location"), [
    ("1001", {}, "request.invalid", "body.action"),
    ("1001", {"action": "lunch"}, "request.invalid", "body.action"),
    ("1001", {"action": "sign_in", "extra": 1}, "request.invalid", "body.extra"),
    ("1001", {"action": "pause", "reason": 5}, "request.invalid", "body.reason"),
    ("x1", {"action": "sign_in"}, "request.invalid", "path.agent"),
])
def test_bad_input_is_422_naming_the_field(client: TestClient, agent: str, body: object,
                                           error_id: str, location: str) -> None:
    answer = post(client, agent, body)
    assert answer.status_code == 422
    assert answer.json()["error_id"] == error_id
    assert answer.json()["details"]["errors"][0]["location"] == location


def test_a_reason_must_be_a_configured_one_and_only_for_a_pause(client: TestClient) -> None:
    post(client, "1001", {"action": "sign_in"})
    answer = post(client, "1001", {"action": "pause", "reason": "smoking"})
    assert answer.status_code == 422 and answer.json()["error_id"] == "agent.reason_invalid"
    assert answer.json()["details"]["field"] == "reason"
    answer = post(client, "1001", {"action": "sign_out", "reason": "lunch"})
    assert answer.status_code == 422 and answer.json()["details"]["field"] == "reason"
    # A pause without a reason is allowed (*23 alone on the phone).
    answer = post(client, "1001", {"action": "pause"})
    assert answer.status_code == 200 and answer.json()["pause_reason"] == ""


def test_an_unknown_agent_is_404(client: TestClient) -> None:
    assert post(client, "9999", {"action": "sign_in"}).json()["error_id"] == "agent.not_found"
    answer = client.get("/agents/9999/presence", headers=auth(SUP))
    assert answer.status_code == 404 and answer.json()["error_id"] == "agent.not_found"


def test_an_agent_token_acts_on_itself_only(client: TestClient) -> None:
    answer = post(client, "1001", {"action": "sign_in"}, token=AGENT1)
    assert answer.status_code == 200
    assert client.get("/agents/1001/presence", headers=auth(AGENT1)).json()[0]["by"] == \
        "agent:1001"
    assert post(client, "1002", {"action": "sign_in"}, token=AGENT1).status_code == 403
    assert client.get("/agents/1002/presence", headers=auth(AGENT1)).status_code == 403
    assert [a["agent"] for a in client.get("/agents", headers=auth(AGENT1)).json()] == ["1001"]
    # QA spot-checks the trail (R24) but does not change presence.
    assert post(client, "1002", {"action": "sign_in"}, token=QA_T).status_code == 403


def test_a_period_that_ends_before_it_starts_is_422(client: TestClient) -> None:
    answer = client.get("/agents/1001/presence", headers=auth(SUP),
                        params={"since": "2026-11-24", "until": "2026-11-23"})
    assert answer.status_code == 422 and answer.json()["error_id"] == "agent.invalid_period"
    answer = client.get("/agents/1001/presence", headers=auth(SUP), params={"since": "soon"})
    assert answer.status_code == 422
    assert answer.json()["details"]["errors"][0]["location"] == "query.since"


class Unreachable:
    """Asterisk not reachable (the bridge's AMI is logged out)."""

    def __init__(self) -> None:
        self.tried: list[tuple[str, Stamped]] = []

    async def apply(self, agent: str, stamped: Stamped) -> None:
        self.tried.append((agent, stamped))
        raise AmiError("AMI not logged in")


def test_a_change_asterisk_cannot_take_now_stays_recorded(client: TestClient) -> None:
    """It is applied at the bridge's next AMI login (agents.plugin reconcile)."""
    applier = Unreachable()
    client.app.state.agent_presence.applier = applier  # type: ignore[attr-defined]
    answer = post(client, "1001", {"action": "sign_in"})
    assert answer.status_code == 200 and answer.json()["state"] == "available"
    assert [a for a, _ in applier.tried] == ["1001"]
    assert client.get("/agents", headers=auth(SUP)).json()[0]["state"] == "available"
    assert client.get("/agents", headers=auth(SUP)).json()[0]["since"] == \
        "2026-11-23T10:00:00.000+08:00"
