"""Every route says which roles may use it (api/route_roles.py, issue 13), and does what it
says: every route of the OpenAPI document, and the documentation routes outside it, is called
with a token of every role and without one. A role in the table must get past authorisation
(any answer but 401 and 403), any other must get 401 or 403. A route the table does not know
fails: a new route cannot ship unguarded."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from api_fixtures import ADMIN, World, auth
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import Route

from api.app import create_app
from api.route_roles import ANYONE, ROUTE_ROLES
from credentials.store import TokenStore

# A value for every path parameter on main; a new parameter fails below until it has one.
# The token id is one that does not exist: the walk must not revoke its own tokens.
PATH_VALUES = {"call_id": "1", "month": "2026-11", "review_id": "1", "agent": "1001",
               "week": "2026-W48", "ticket_id": "1", "token_id": "999999",
               "session_id": "999999"}
ROLES = ("admin", "supervisor", "qa", "ticket", "agent:1001")


def operations(app: FastAPI) -> list[tuple[str, str]]:
    """(METHOD, path) of every route: the OpenAPI document's, and the routes kept out of it
    (Swagger UI, ReDoc, the document itself)."""
    ops = [(method.upper(), path) for path, item in app.openapi()["paths"].items()
           for method in item]
    for route in app.routes:
        if isinstance(route, Route) and not route.include_in_schema:
            ops += [(m, route.path) for m in sorted(route.methods or ()) if m != "HEAD"]
    return ops


def unlisted(app: FastAPI) -> list[str]:
    return [f"{m} {p}" for m, p in operations(app) if f"{m} {p}" not in ROUTE_ROLES]


@pytest.fixture
def walk(world: World) -> Iterator[tuple[TestClient, dict[str, str]]]:
    tokens = TokenStore(world.store.sessions)
    # Stored tokens (created at run time) for every role, and the config admin token.
    made = {role: tokens.create(role, f"walk {role}", None, datetime.now(UTC))[1]
            for role in ROLES if role != "admin"}
    made["admin"] = ADMIN
    with TestClient(create_app(world.settings, world.store),
                    raise_server_exceptions=False) as client:
        yield client, made


def _may(role: str | None, allowed: frozenset[str]) -> bool:
    if role is None:
        return ANYONE in allowed
    return (role.split(":")[0] if role.startswith("agent:") else role) in allowed


def test_every_route_answers_every_role_as_the_table_says(
        walk: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = walk
    app: Any = client.app
    assert unlisted(app) == [], "routes without a line in api/route_roles.py ROUTE_ROLES"
    wrong: list[str] = []
    for method, path in operations(app):
        url = re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES[m.group(1)], path)
        for role in (*ROLES, None):
            headers = auth(tokens[role]) if role else {}
            body: dict[str, object] | None = {} if method in ("POST", "PUT", "PATCH") else None
            status = client.request(method, url, headers=headers, json=body).status_code
            refused = status in (401, 403)
            if refused == _may(role, ROUTE_ROLES[f"{method} {path}"]):
                wrong.append(f"{method} {path} as {role or 'no token'}: {status}")
            if role is None and refused:
                assert status == 401, (method, path)
    assert wrong == []


def test_the_table_names_only_routes_that_exist(world: World) -> None:
    app = create_app(world.settings, world.store)
    assert set(ROUTE_ROLES) == {f"{m} {p}" for m, p in operations(app)}


def test_a_new_route_missing_from_the_table_is_found(world: World) -> None:
    app = create_app(world.settings, world.store)

    @app.get("/unguarded")
    def unguarded() -> dict[str, str]:
        return {}

    assert unlisted(app) == ["GET /unguarded"]


def test_the_openapi_document_shows_each_operations_roles(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            assert operation["x-roles"] == sorted(ROUTE_ROLES[f"{method.upper()} {path}"])
    assert doc["paths"]["/admin/tokens"]["post"]["x-roles"] == ["admin"]


def test_the_readme_shows_the_table_as_it_is() -> None:
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    shown: dict[str, frozenset[str]] = {}
    columns = ("admin", "supervisor", "qa", "ticket", "agent", ANYONE)
    for line in readme.splitlines():
        match = re.fullmatch(r"\| `([A-Z]+ /\S*)` \|((?: [✓–] \|){6})", line)
        if match:
            marks = match.group(2).replace("|", "").split()
            shown[match.group(1)] = frozenset(
                c for c, mark in zip(columns, marks, strict=True) if mark == "✓")
    assert shown == ROUTE_ROLES
