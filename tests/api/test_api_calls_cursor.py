"""GET /calls by cursor (issue 9): each page's `next` (and its `Link` header, rel="next")
leads through the same rows as paging by offset, with every filter and under an agent token's
own-calls restriction; a cursor that is not one of this list's is refused, naming `cursor`."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from api_fixtures import QA, World, auth
from fastapi.testclient import TestClient

from credentials.store import TokenStore


def _get(client: TestClient, params: dict[str, Any], token: str = QA) -> Any:
    r = client.get("/calls", params=params, headers=auth(token))
    assert r.status_code == 200, r.text
    return r


def _walk_by_link(client: TestClient, params: dict[str, Any], token: str = QA
                  ) -> list[dict[str, Any]]:
    """Every page as a client following `Link: <…>; rel="next"` sees it."""
    pages = []
    r = _get(client, params, token)
    while True:
        pages.append(r.json())
        link = r.headers.get("Link")
        if link is None:
            assert pages[-1]["next"] is None
            return pages
        url = re.fullmatch(r'<(/calls\?[^>]+)>; rel="next"', link)
        assert url is not None, link
        assert f"cursor={pages[-1]['next']}" in url.group(1)
        r = client.get(url.group(1), headers=auth(token))
        assert r.status_code == 200, r.text


def _ids(pages: list[dict[str, Any]]) -> list[int]:
    return [c["id"] for page in pages for c in page["items"]]


@pytest.mark.parametrize("filters", [
    {}, {"disposition": "answered"}, {"agent": "1002"}, {"caller": "13800000001"},
    {"since": "2026-11-23T09:00:00", "until": "2026-11-24T09:30:00"}, {"dead_air": "true"},
    {"overtalk": "false"}, {"disposition": "forwarded"},
])
def test_the_cursor_walk_is_the_offset_walk(client: TestClient,
                                            filters: dict[str, Any]) -> None:
    everything = _get(client, {**filters, "limit": 20}).json()
    pages = _walk_by_link(client, {**filters, "limit": 2})
    assert _ids(pages) == [c["id"] for c in everything["items"]]
    # offset and total as paging by offset gives them: the position along the walk.
    assert [p["offset"] for p in pages] == list(range(0, 2 * len(pages), 2))
    assert {p["total"] for p in pages} == {everything["total"]}


def test_next_in_the_body_is_the_same_walk(client: TestClient) -> None:
    first = _get(client, {"limit": 4}).json()
    second = _get(client, {"limit": 4, "cursor": first["next"]}).json()
    assert second["next"] is None and second["offset"] == 4
    assert [c["id"] for c in first["items"] + second["items"]] == [
        c["id"] for c in _get(client, {}).json()["items"]]


def test_a_page_by_offset_gives_a_cursor_too(client: TestClient) -> None:
    by_offset = _get(client, {"limit": 2, "offset": 2})
    assert by_offset.json()["next"] is not None
    rest = _get(client, {"limit": 2, "cursor": by_offset.json()["next"]}).json()
    assert rest["offset"] == 4
    assert rest["items"] == _get(client, {"limit": 2, "offset": 4}).json()["items"]


def test_the_page_size_may_change_along_the_walk(client: TestClient) -> None:
    first = _get(client, {"limit": 1}).json()
    rest = _get(client, {"limit": 20, "cursor": first["next"]}).json()
    assert [c["id"] for c in first["items"] + rest["items"]] == [
        c["id"] for c in _get(client, {}).json()["items"]]


def test_the_cursor_walk_does_not_shift_when_calls_arrive(client: TestClient,
                                                          world: World) -> None:
    # A newer call lands between two pages: by offset the next page would repeat a row.
    from callrecords.record import CallRecord
    from domain.status import Disposition

    first = _get(client, {"limit": 3}).json()
    newest = world.store.save(CallRecord("1799.1", datetime(2026, 12, 1, tzinfo=UTC).timestamp(),
                                         disposition=Disposition.MISSED))
    rest = _get(client, {"limit": 20, "cursor": first["next"]}).json()
    seen = [c["id"] for c in first["items"] + rest["items"]]
    assert len(seen) == len(set(seen)) == 6 and newest not in seen
    by_offset = _get(client, {"limit": 20, "offset": 3}).json()
    assert by_offset["items"][0]["id"] == first["items"][-1]["id"]  # served twice


def _refused(client: TestClient, params: dict[str, Any], error_id: str,
             token: str = QA) -> None:
    r = client.get("/calls", params=params, headers=auth(token))
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error_id"] == error_id
    assert body["details"]["errors"][0]["location"] == "query.cursor"
    assert body["message"].startswith("query.cursor")


def test_cursor_with_offset_is_refused(client: TestClient) -> None:
    cursor = _get(client, {"limit": 2}).json()["next"]
    _refused(client, {"cursor": cursor, "offset": 2}, "calls.cursor_with_offset")
    _refused(client, {"cursor": cursor, "offset": 0}, "calls.cursor_with_offset")


@pytest.mark.parametrize("cursor", ["", "nonsense", "a.b", "eyJ2IjoxfQ.AAAA", "..", "é.é"])
def test_a_malformed_cursor_is_refused(client: TestClient, cursor: str) -> None:
    _refused(client, {"cursor": cursor}, "calls.cursor_invalid")


def test_an_edited_cursor_is_refused(client: TestClient) -> None:
    cursor = _get(client, {"limit": 2}).json()["next"]
    payload, check = cursor.split(".")
    edited = ("B" if payload[5] != "B" else "C").join((payload[:5], payload[6:]))
    _refused(client, {"cursor": f"{edited}.{check}"}, "calls.cursor_invalid")


def test_a_cursor_of_other_filters_is_refused(client: TestClient) -> None:
    cursor = _get(client, {"limit": 1, "disposition": "answered"}).json()["next"]
    _refused(client, {"cursor": cursor}, "calls.cursor_invalid")
    _refused(client, {"cursor": cursor, "disposition": "missed"}, "calls.cursor_invalid")
    # The same filters written another way are the same filters.
    assert _get(client, {"cursor": cursor, "disposition": "answered"}).json()["offset"] == 1


def test_too_long_a_cursor_is_refused_naming_it(client: TestClient) -> None:
    r = client.get("/calls", params={"cursor": "a" * 5000}, headers=auth(QA))
    assert r.status_code == 422
    assert r.json()["details"]["errors"][0]["location"] == "query.cursor"


def test_an_agent_token_walks_its_own_calls_only(client: TestClient, world: World) -> None:
    """R26: an agent token sees its own calls only, walking by cursor too."""
    token = TokenStore(world.store.sessions).create("agent:1002", "李四", None,
                                                    datetime.now(UTC))[1]
    pages = _walk_by_link(client, {"limit": 1}, token)
    assert [c["agent"] for p in pages for c in p["items"]] == ["1002", "1002"]
    # A cursor of the whole list (another principal's walk) is for other filters.
    everyone = _get(client, {"limit": 1}).json()["next"]
    _refused(client, {"cursor": everyone}, "calls.cursor_invalid", token)
    # Asking for another agent's calls stays empty, cursor or not.
    assert _get(client, {"agent": "1001", "cursor": everyone}, token).json()["items"] == []


def test_the_openapi_document_lists_cursor_and_next(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    operation = doc["paths"]["/calls"]["get"]
    assert "cursor" in {p["name"] for p in operation["parameters"]}
    assert "Link" in operation["responses"]["200"]["headers"]
    assert "next" in doc["components"]["schemas"]["CallPage"]["properties"]
