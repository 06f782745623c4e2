"""GET /calls's total at scale (issue 9): the count of matches is bounded by api.count_limit;
the body keeps its shape and the X-Total-Exact header says whether `total` is the number of
matches or a lower bound that still tells a client paging by offset that there is more."""

from __future__ import annotations

from api_fixtures import QA, auth
from fastapi.testclient import TestClient


def test_total_beyond_count_limit_is_a_lower_bound(client: TestClient) -> None:
    client.app.state.count_limit = 2  # type: ignore[attr-defined]
    first = client.get("/calls", params={"limit": 1}, headers=auth(QA))
    assert first.headers["X-Total-Exact"] == "false"
    assert first.json()["total"] == 4  # the page's 1 + count_limit 2 + 1: "more than 3"
    near_end = client.get("/calls", params={"limit": 1, "offset": 4}, headers=auth(QA))
    assert (near_end.headers["X-Total-Exact"], near_end.json()["total"]) == ("true", 6)
    beyond = client.get("/calls", params={"limit": 1, "offset": 10}, headers=auth(QA))
    assert (beyond.headers["X-Total-Exact"], beyond.json()["total"]) == ("true", 6)


def test_default_count_limit_counts_a_small_history_exactly(client: TestClient) -> None:
    body = client.get("/calls", params={"limit": 2, "disposition": "answered"},
                      headers=auth(QA))
    assert (body.headers["X-Total-Exact"], body.json()["total"]) == ("true", 3)
