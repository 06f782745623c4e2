"""/admin/tokens (issue 13): an admin creates a token that works at once (shown once, never
again), lists tokens without their secrets, revokes one and it stops working at once, with no
restart; an expired token is refused; every change is in the access log with who made it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from api_fixtures import ADMIN, QA, TICKET, World, auth, make_settings
from fastapi.testclient import TestClient
from sqlalchemy.exc import SQLAlchemyError

from api.app import create_app
from api.auth import TokenAuth
from callrecords.store import CallStore
from credentials.store import TokenStore
from domain.clock import ManualClock

START = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def app_client(world: World, clock: ManualClock) -> TestClient:
    return TestClient(create_app(world.settings, world.store, clock=clock),
                      raise_server_exceptions=False)


def create(client: TestClient, token: str = ADMIN, **body: object) -> dict[str, object]:
    r = client.post("/admin/tokens", json=body, headers=auth(token))
    assert r.status_code == 201, r.text
    data: dict[str, object] = r.json()
    return data


def test_a_created_token_works_at_once_and_is_shown_only_then(world: World) -> None:
    client = app_client(world, ManualClock(START))
    made = create(client, role="qa", name="王五", expires_in_days=90)
    token = str(made["token"])
    assert made["role"] == "qa" and made["name"] == "王五" and made["state"] == "active"
    assert made["created_at"] == "2026-12-07T10:00:00.000+08:00"
    assert made["expires_at"] == "2027-03-07T10:00:00.000+08:00"
    assert client.get("/calls", headers=auth(token)).status_code == 200
    assert client.get("/audit", headers=auth(token)).status_code == 403  # qa, not admin
    listed = client.get("/admin/tokens", headers=auth(ADMIN))
    assert listed.status_code == 200 and token not in listed.text
    assert [(t["id"], t["name"], t["state"]) for t in listed.json()] == [
        (made["id"], "王五", "active")]
    # Another process on the same database (a second API worker) knows it too.
    assert app_client(world, ManualClock(START)).get(
        "/calls", headers=auth(token)).status_code == 200


def test_a_revoked_token_is_refused_at_once(world: World) -> None:
    client = app_client(world, ManualClock(START))
    made = create(client, role="ticket", name="工单系统")
    token = str(made["token"])
    assert client.get("/calls", headers=auth(token)).status_code == 200
    r = client.delete(f"/admin/tokens/{made['id']}", headers=auth(ADMIN))
    assert r.status_code == 200
    assert r.json()["state"] == "revoked" and r.json()["revoked_at"].startswith("2026-12-07")
    refused = client.get("/calls", headers=auth(token))
    assert refused.status_code == 401 and refused.json()["error_id"] == "auth.invalid"
    again = client.delete(f"/admin/tokens/{made['id']}", headers=auth(ADMIN))
    assert again.status_code == 409 and again.json()["error_id"] == "token.revoked"
    missing = client.delete("/admin/tokens/4242", headers=auth(ADMIN))
    assert missing.status_code == 404 and missing.json()["error_id"] == "token.not_found"
    huge = client.delete(f"/admin/tokens/{2**64}", headers=auth(ADMIN))
    assert huge.status_code == 422
    assert client.get("/calls", headers=auth(QA)).status_code == 200  # config tokens still


def test_an_expired_token_is_refused(world: World) -> None:
    clock = ManualClock(START)
    client = app_client(world, clock)
    token = str(create(client, role="supervisor", name="赵六", expires_in_days=1)["token"])
    clock.advance(days=1, seconds=-1)
    assert client.get("/audit", headers=auth(token)).status_code == 200
    clock.advance(seconds=1)
    r = client.get("/audit", headers=auth(token))
    assert r.status_code == 401 and r.json()["error_id"] == "auth.invalid"
    assert client.get("/admin/tokens", headers=auth(ADMIN)).json()[0]["state"] == "expired"


def test_only_admins_manage_tokens_and_bad_requests_name_the_field(world: World) -> None:
    client = app_client(world, ManualClock(START))
    for token in (QA, TICKET):
        assert client.get("/admin/tokens", headers=auth(token)).status_code == 403
        assert client.post("/admin/tokens", json={"role": "admin", "name": "me"},
                           headers=auth(token)).status_code == 403
    assert client.get("/admin/tokens").status_code == 401
    agent = str(create(client, role="agent:1001", name="1001")["token"])
    assert client.post("/admin/tokens", json={"role": "admin", "name": "me"},
                       headers=auth(agent)).status_code == 403
    for body, field in (({"role": "root", "name": "x"}, "body.role"),
                        ({"role": "qa"}, "body.name"),
                        ({"role": "qa", "name": "x", "expires_in_days": 0},
                         "body.expires_in_days"),
                        ({"role": "qa", "name": "x", "expires_in_days": 10**30},
                         "body.expires_in_days"),
                        ({"role": "qa", "name": "x", "token": "mine"}, "body.token")):
        r = client.post("/admin/tokens", json=body, headers=auth(ADMIN))
        assert r.status_code == 422 and r.json()["error_id"] == "request.invalid", body
        assert r.json()["details"]["errors"][0]["location"] == field, r.json()
    blank = client.post("/admin/tokens", json={"role": "qa", "name": "  "}, headers=auth(ADMIN))
    assert blank.status_code == 422 and blank.json()["error_id"] == "token.invalid"
    assert blank.json()["details"] == {"field": "name"}


def test_every_change_is_in_the_access_log_with_who_made_it(world: World) -> None:
    clock = ManualClock(START)
    client = app_client(world, clock)
    boss = create(client, role="admin", name="管理员")  # made by the config admin token
    qa = create(client, token=str(boss["token"]), role="qa", name="王五", expires_in_days=30)
    clock.advance(minutes=5)
    assert client.delete(f"/admin/tokens/{qa['id']}",
                         headers=auth(str(boss["token"]))).status_code == 200
    assert client.delete(f"/admin/tokens/{qa['id']}",
                         headers=auth(str(boss["token"]))).status_code == 409
    entries = client.get("/audit", params={"target": f"token:{qa['id']}"},
                         headers=auth(ADMIN)).json()["items"]
    refused, revoke, made = entries  # newest first
    assert (made["action"], made["status"], made["role"]) == ("token.create", 201, "admin")
    assert made["token"] == boss["fingerprint"] and made["client"] == "testclient"
    assert made["detail"] == {"name": "王五", "role": "qa",
                              "expires_at": "2027-01-06T02:00:00+00:00",
                              "token_id": boss["id"], "token_name": "管理员"}
    assert (revoke["action"], revoke["status"]) == ("token.revoke", 200)
    assert revoke["at"] == "2026-12-07T10:05:00.000+08:00"
    assert revoke["detail"]["token_name"] == "管理员"
    assert (refused["status"], refused["error_id"]) == (409, "token.revoked")
    # The first creation was made with a config token: no stored id or name to give.
    first = client.get("/audit", params={"target": f"token:{boss['id']}"},
                       headers=auth(ADMIN)).json()["items"][0]
    assert "token_id" not in first["detail"] and first["role"] == "admin"
    assert str(qa["token"]) not in client.get("/audit", headers=auth(ADMIN)).text


def test_a_recording_fetch_names_the_stored_token_in_the_log(world: World) -> None:
    client = app_client(world, ManualClock(START))
    made = create(client, role="qa", name="王五")
    url = f"/calls/{world.ids['1700.1']}/recording"
    assert client.get(url, headers=auth(str(made["token"]))).status_code == 200
    entry = client.get("/audit", params={"action": "recording.fetch"},
                       headers=auth(ADMIN)).json()["items"][0]
    assert entry["detail"] == {"token_id": made["id"], "token_name": "王五"}
    assert entry["token"] == made["fingerprint"]


def test_config_tokens_do_not_need_the_database(tmp_path: Path) -> None:
    # A database that cannot be opened: config tokens still identify, others cannot be checked.
    broken = CallStore(f"sqlite:///{tmp_path}/missing/dir/t.db")
    auth_ = TokenAuth({QA: "qa"}, TokenStore(broken.sessions), ManualClock(START))
    assert auth_.identify(f"Bearer {QA}").role == "qa"
    with pytest.raises(SQLAlchemyError):
        auth_.identify("Bearer htk_unknown")
    client = TestClient(create_app(make_settings(tmp_path), broken),
                        raise_server_exceptions=False)
    r = client.get("/admin/tokens", headers=auth("htk_unknown"))
    assert r.status_code == 503 and r.json()["error_id"] == "database.unavailable"

