"""GET /audit by cursor (issue 9): each page's `next` (and `Link`, rel="next") leads through the
same entries as paging by offset; a cursor that is not one of this list's is refused, naming
`cursor`."""

from __future__ import annotations

import re
from typing import Any

from api_fixtures import ADMIN, QA, World, auth
from fastapi.testclient import TestClient


def _fetch_recordings(client: TestClient, world: World, n: int) -> None:
    for i in range(n):
        r = client.get(f"/calls/{world.ids['1700.1']}/recording",
                       headers={**auth(QA), "Range": f"bytes=0-{i}"})
        assert r.status_code == 206


def _audit(client: TestClient, params: dict[str, Any]) -> Any:
    r = client.get("/audit", params=params, headers=auth(ADMIN))
    assert r.status_code == 200, r.text
    return r


def test_the_cursor_walk_is_the_offset_walk(client: TestClient, world: World) -> None:
    _fetch_recordings(client, world, 5)
    everything = _audit(client, {"action": "recording.fetch"}).json()
    assert everything["total"] == 5
    pages, r = [], _audit(client, {"action": "recording.fetch", "limit": 2})
    while True:
        pages.append(r.json())
        if "Link" not in r.headers:
            break
        url = re.fullmatch(r'<(/audit\?[^>]+)>; rel="next"', r.headers["Link"])
        assert url is not None and f"cursor={pages[-1]['next']}" in url.group(1)
        r = client.get(url.group(1), headers=auth(ADMIN))
    assert [e["id"] for p in pages for e in p["items"]] == [e["id"] for e in everything["items"]]
    assert [p["offset"] for p in pages] == [0, 2, 4]
    assert [p["total"] for p in pages] == [5, 5, 5] and pages[-1]["next"] is None


def test_a_bad_cursor_is_refused_naming_it(client: TestClient, world: World) -> None:
    _fetch_recordings(client, world, 2)
    cursor = _audit(client, {"limit": 1}).json()["next"]
    calls_cursor = client.get("/calls", params={"limit": 1}, headers=auth(QA)).json()["next"]
    for params, error_id in (({"cursor": cursor, "offset": 1}, "audit.cursor_with_offset"),
                             ({"cursor": "nonsense"}, "audit.cursor_invalid"),
                             ({"cursor": cursor, "action": "voicemail.fetch"},
                              "audit.cursor_invalid"),
                             ({"cursor": calls_cursor}, "audit.cursor_invalid")):
        r = client.get("/audit", params=params, headers=auth(ADMIN))
        assert r.status_code == 422, r.text
        assert r.json()["error_id"] == error_id
        assert r.json()["details"]["errors"][0]["location"] == "query.cursor"
