"""/live-sessions (issue 8, R18) without Asterisk: roles and modes, refusals, validation, the
kept sessions (list, filters, ending), their place on the call's record and in the QA plan.
Listening itself, and the 409s that need a phone or a call, are in
tests/telephony/test_live_listening.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from api_fixtures import ADMIN, QA, TICKET, World, auth
from fastapi.testclient import TestClient

from api.app import create_app
from callrecords.live_sessions import LiveSession, LiveSessionStore
from credentials.store import TokenStore

T0 = datetime(2026, 11, 23, 2, 0, 30, tzinfo=UTC)  # 10:00:30 in Shanghai, during call 1700.1
BODY = {"agent": "1001", "listener": "9001", "mode": "listen"}


@pytest.fixture
def tokens(world: World) -> dict[str, str]:
    store = TokenStore(world.store.sessions)
    made = {role: store.create(role, f"t {role}", None, datetime.now(UTC))[1]
            for role in ("supervisor", "agent:1001")}
    return {**made, "qa": QA, "admin": ADMIN, "ticket": TICKET}


def _session(world: World, agent: str = "1001", call: str = "1700.1", at: datetime = T0,
             seconds: float | None = 40.0, mode: str = "listen") -> LiveSession:
    store = LiveSessionStore(world.store.sessions)
    s = store.create(agent=agent, listener="9001", mode=mode, call_id=call, via="api",
                     by="qa/0123abcd", started_at=at, spy_uniqueid=f"hotline-live-{at}")
    store.answered(s.id, at + timedelta(seconds=2), "PJSIP/9001-00000009")
    if seconds is not None:
        store.end(s.id, at + timedelta(seconds=2 + seconds), "hangup")
    got = store.get(s.id)
    assert got is not None
    return got


@pytest.mark.parametrize(("role", "mode", "allowed"), [
    ("qa", "listen", True), ("qa", "whisper", False), ("qa", "barge", False),
    ("supervisor", "whisper", True), ("supervisor", "barge", True), ("admin", "barge", True),
    ("ticket", "listen", False), ("agent:1001", "listen", False)])
def test_roles_and_modes(client: TestClient, tokens: dict[str, str], role: str, mode: str,
                         allowed: bool) -> None:
    r = client.post("/live-sessions", json={**BODY, "mode": mode}, headers=auth(tokens[role]))
    if allowed:  # past the checks; no bridge in this app, so Asterisk is unavailable
        assert r.status_code == 503 and r.json()["error_id"] == "asterisk.unavailable", r.text
    else:
        assert r.status_code == 403 and r.json()["error_id"] == "auth.forbidden", r.text
    if role == "qa" and not allowed:
        assert r.json()["details"]["allowed"] == ["listen"]


def test_unknown_agent_and_listener_are_404(client: TestClient) -> None:
    r = client.post("/live-sessions", json={**BODY, "agent": "1009"}, headers=auth(QA))
    assert r.status_code == 404 and r.json()["error_id"] == "agent.not_found"
    assert r.json()["details"] == {"agent": "1009"}
    r = client.post("/live-sessions", json={**BODY, "listener": "1002"}, headers=auth(QA))
    assert r.status_code == 404 and r.json()["error_id"] == "listener.not_found"  # an agent


@pytest.mark.parametrize(("body", "field"), [
    ({**BODY, "mode": "shout"}, "body.mode"),
    ({**BODY, "agent": "10a1"}, "body.agent"),
    ({**BODY, "listener": ""}, "body.listener"),
    ({"agent": "1001", "mode": "listen"}, "body.listener"),
    ({**BODY, "volume": 3}, "body.volume"),
])
def test_bad_input_names_the_field(client: TestClient, body: dict[str, object],
                                   field: str) -> None:
    r = client.post("/live-sessions", json=body, headers=auth(ADMIN))
    assert r.status_code == 422 and r.json()["error_id"] == "request.invalid", r.text
    assert r.json()["details"]["errors"][0]["location"] == field


def test_sessions_are_listed_newest_first_with_filters_and_pages(world: World,
                                                                  client: TestClient) -> None:
    first = _session(world)
    second = _session(world, agent="1002", call="1703.1", at=T0 + timedelta(hours=20),
                      mode="barge")
    running = _session(world, at=T0 + timedelta(days=1), seconds=None)
    page = client.get("/live-sessions", headers=auth(QA)).json()
    assert [s["id"] for s in page["items"]] == [running.id, second.id, first.id]
    assert page["total"] == 3 and page["limit"] == 20
    item = page["items"][2]
    assert item == {"id": first.id, "agent": "1001", "listener": "9001", "mode": "listen",
                    "call_id": "1700.1", "started_at": "2026-11-23T10:00:30.000+08:00",
                    "answered_at": "2026-11-23T10:00:32.000+08:00",
                    "ended_at": "2026-11-23T10:01:12.000+08:00", "duration_seconds": 40.0,
                    "end_reason": "hangup", "via": "api", "by": "qa/0123abcd"}
    assert page["items"][0]["ended_at"] is None and page["items"][0]["duration_seconds"] is None
    only = client.get("/live-sessions", params={"agent": "1002"}, headers=auth(QA)).json()
    assert [s["id"] for s in only["items"]] == [second.id]
    # since/until without an offset are the company's time; until excludes.
    day = client.get("/live-sessions", params={"since": "2026-11-23T00:00:00",
                                               "until": "2026-11-24T00:00:00"},
                     headers=auth(QA)).json()
    assert [s["id"] for s in day["items"]] == [first.id]
    paged = client.get("/live-sessions", params={"limit": 1, "offset": 1},
                       headers=auth(QA)).json()
    assert [s["id"] for s in paged["items"]] == [second.id] and paged["total"] == 3
    assert client.get("/live-sessions", params={"limit": 21},
                      headers=auth(QA)).status_code == 422
    assert client.get("/live-sessions", params={"since": "0.5"},
                      headers=auth(QA)).status_code == 422
    assert client.get("/live-sessions", headers=auth(TICKET)).status_code == 403


def test_ending(world: World, client: TestClient) -> None:
    over, running = _session(world), _session(world, seconds=None)
    r = client.delete(f"/live-sessions/{over.id}", headers=auth(QA))
    assert r.status_code == 409 and r.json()["error_id"] == "live_session.ended"
    r = client.delete("/live-sessions/999", headers=auth(QA))
    assert r.status_code == 404 and r.json()["error_id"] == "live_session.not_found"
    r = client.delete(f"/live-sessions/{running.id}", headers=auth(QA))  # no bridge here
    assert r.status_code == 503 and r.json()["error_id"] == "asterisk.unavailable"


def test_the_call_record_shows_its_sessions(world: World, client: TestClient) -> None:
    session = _session(world)
    call = client.get(f"/calls/{world.ids['1700.1']}", headers=auth(TICKET)).json()
    assert [s["id"] for s in call["live_sessions"]] == [session.id]
    assert call["live_sessions"][0]["by"] == "qa/0123abcd"
    assert call["live_sessions"][0]["duration_seconds"] == 40.0
    listed = client.get("/calls", params={"agent": "1001"}, headers=auth(QA)).json()["items"]
    assert [len(c["live_sessions"]) for c in listed] == [1]
    other = client.get(f"/calls/{world.ids['1701.1']}", headers=auth(QA)).json()
    assert other["live_sessions"] == []


def test_a_listened_call_is_a_live_inspection_of_the_month(world: World) -> None:
    """R18: 30% of the sample inspected live; a session on the call counts as one."""
    client = TestClient(create_app(world.settings, world.store))
    plan = client.post("/qa/plans", json={"month": "2026-11"}, headers=auth(QA)).json()
    assert all(i["call_id"] != world.ids["1700.1"] or i["mode"] != "live" for i in plan["items"])
    _session(world)
    _session(world, call="1701.1")  # an abandoned call: no agent answered it, not counted
    unanswered = LiveSessionStore(world.store.sessions).create(
        agent="1002", listener="9001", mode="listen", call_id="1704.1", via="api", by="x",
        started_at=T0, spy_uniqueid="never-answered")  # the phone never answered: not counted
    assert unanswered.answered_at is None
    plan = client.get("/qa/plans/2026-11", headers=auth(QA)).json()
    live = [i for i in plan["items"] if i["mode"] == "live"]
    assert [(i["call_id"], i["agent"]) for i in live] == [(world.ids["1700.1"], "1001")]
    assert "r18_live" in live[0]["reasons"]
    done = {a["agent"]: a["live_done"] for a in plan["agents"]}
    assert done.get("1001") == 1 and done.get("1002", 0) == 0
