"""Authentication, the error format, a dead database, /health and the OpenAPI document."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from api_fixtures import QA, World, auth
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from api.auth import TokenAuth, fingerprint
from api.errors import AuthInvalid, AuthMissing
from callrecords.store import CallStore

ERROR_KEYS = {"error_id", "message", "details"}


# -- authentication ----------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/calls", "/calls/1", "/calls/1/recording"])
def test_missing_token(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 401
    assert r.json()["error_id"] == "auth.missing"
    assert set(r.json()) == ERROR_KEYS
    assert r.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("header", ["Bearer nope", "Bearer tok-qa-012345678",
                                    f"Basic {QA}", "Bearer", f"Token {QA}"])
def test_invalid_token(client: TestClient, header: str) -> None:
    r = client.get("/calls", headers={"Authorization": header})
    assert r.status_code == 401
    assert r.json()["error_id"] == "auth.invalid"
    assert r.headers["www-authenticate"] == "Bearer"


def test_scheme_is_case_insensitive(client: TestClient) -> None:
    assert client.get("/calls", headers={"Authorization": f"bearer {QA}"}).status_code == 200


def test_token_auth_unit() -> None:
    tokens = TokenAuth({"a-token": "qa", "another": "ticket"})
    assert tokens.identify("Bearer another").role == "ticket"
    principal = tokens.identify("Bearer a-token")
    assert (principal.role, principal.fingerprint) == ("qa", fingerprint("a-token"))
    assert "a-token" not in str(principal)
    with pytest.raises(AuthMissing):
        tokens.identify(None)
    with pytest.raises(AuthMissing):
        tokens.identify("  ")
    with pytest.raises(AuthInvalid):
        tokens.identify("Bearer a-tokenX")
    with pytest.raises(AuthInvalid):
        TokenAuth({}).identify("Bearer a-token")


def test_fingerprint_is_short_and_stable() -> None:
    assert fingerprint("x") == fingerprint("x") != fingerprint("y")
    assert len(fingerprint("x")) == 8


# -- error format ------------------------------------------------------------------------------
def test_unknown_route(client: TestClient) -> None:
    r = client.get("/nowhere", headers=auth(QA))
    assert r.status_code == 404
    assert r.json()["error_id"] == "route.not_found"
    assert set(r.json()) == ERROR_KEYS


def test_wrong_method(client: TestClient) -> None:
    r = client.post("/calls", headers=auth(QA))
    assert r.status_code == 405
    assert r.json()["error_id"] == "request.method_not_allowed"


# -- dead database -----------------------------------------------------------------------------
def _paths(world: World) -> list[str]:
    call_id = world.ids["1700.1"]
    return ["/calls", f"/calls/{call_id}", f"/calls/{call_id}/recording"]


def _assert_unavailable(client: TestClient, world: World) -> None:
    for path in _paths(world):
        r = client.get(path, headers=auth(QA))
        assert r.status_code == 503, path
        assert r.json() == {"error_id": "database.unavailable",
                            "message": "the call database is unavailable", "details": {}}
        assert "Traceback" not in r.text


def test_unreachable_database(make_client: Callable[..., TestClient], world: World,
                              tmp_path: Path) -> None:
    # A folder where the database file should be: SQLite cannot open it.
    (tmp_path / "dead.db").mkdir()
    client = make_client(store=CallStore(f"sqlite:///{tmp_path}/dead.db"))
    _assert_unavailable(client, world)
    r = client.get("/health")
    assert r.status_code == 503
    assert r.json()["database"] is False


def test_database_dies_while_running(client: TestClient, world: World, tmp_path: Path) -> None:
    assert client.get("/calls", headers=auth(QA)).status_code == 200
    db = tmp_path / "t.db"
    db.unlink()
    db.mkdir()
    world.store.engine.dispose()  # drop pooled connections still holding the deleted file
    _assert_unavailable(client, world)
    shutil.rmtree(db)


def test_operational_error_mid_query(client: TestClient, world: World,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_: Any, **__: Any) -> Any:
        raise OperationalError("SELECT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(world.store, "search", fail)
    monkeypatch.setattr(world.store, "page", fail)  # GET /calls reads its page here
    monkeypatch.setattr(world.store, "get", fail)
    _assert_unavailable(client, world)


def test_unexpected_error_is_a_json_500(client: TestClient, world: World,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_: Any, **__: Any) -> Any:
        raise RuntimeError("bug")

    monkeypatch.setattr(world.store, "get", fail)
    r = client.get(f"/calls/{world.ids['1700.1']}", headers=auth(QA))
    assert r.status_code == 500
    assert r.json()["error_id"] == "internal.error"
    assert "bug" not in r.text


# -- health ------------------------------------------------------------------------------------
def test_health_ok_without_auth(make_client: Callable[..., TestClient]) -> None:
    client = make_client(health=lambda: {"asterisk": True, "bridge": True,
                                         "pending_records": 0})
    r = client.get("/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": True, "asterisk": True, "bridge": True,
                        "pending_records": 0}


def test_health_without_probe(client: TestClient) -> None:
    r = client.get("/health")
    assert (r.status_code, r.json()) == (200, {"status": "ok", "database": True})


def test_health_degraded(make_client: Callable[..., TestClient]) -> None:
    client = make_client(health=lambda: {"asterisk": False, "bridge": True})
    r = client.get("/health")
    assert r.status_code == 503
    assert r.json() == {"status": "degraded", "database": True, "asterisk": False,
                        "bridge": True}


def test_health_probe_cannot_override_database(make_client: Callable[..., TestClient],
                                               tmp_path: Path) -> None:
    (tmp_path / "dead.db").mkdir()
    client = make_client(health=lambda: {"database": True, "status": "ok"},
                         store=CallStore(f"sqlite:///{tmp_path}/dead.db"))
    r = client.get("/health")
    assert r.status_code == 503
    assert r.json() == {"status": "degraded", "database": False}


def test_failing_probe_is_degraded(make_client: Callable[..., TestClient]) -> None:
    def probe() -> dict[str, Any]:
        raise RuntimeError("bridge gone")

    r = make_client(health=probe).get("/health")
    assert r.status_code == 503
    assert r.json() == {"status": "degraded", "database": True, "health_probe": False}


# -- OpenAPI -----------------------------------------------------------------------------------
def test_openapi(client: TestClient) -> None:
    r = client.get("/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    assert doc["info"]["title"] == "Hotline API"
    assert "Bearer" in doc["info"]["description"]
    assert {"/health", "/calls", "/calls/{call_id}", "/calls/{call_id}/recording"} <= set(
        doc["paths"])
    scheme = doc["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert doc["paths"]["/calls"]["get"]["security"] == [{"bearerAuth": []}]
    assert "security" not in doc["paths"]["/health"]["get"]
    params = {p["name"]: p for p in doc["paths"]["/calls"]["get"]["parameters"]}
    assert {"since", "until", "caller", "agent", "disposition", "limit", "offset"} <= set(params)
    assert params["limit"]["schema"]["maximum"] == 20
    assert client.get("/docs").status_code == 200
