"""GET /calls and /calls/{id}: filters, pagination, the call's JSON shape."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from api_fixtures import ADMIN, QA, TICKET, World, auth, make_settings
from fastapi.testclient import TestClient

from api.app import create_app


def linkedids(body: dict[str, Any]) -> list[str]:
    return [c["linkedid"] for c in body["items"]]


def search(client: TestClient, **params: Any) -> dict[str, Any]:
    r = client.get("/calls", params=params, headers=auth(QA))
    assert r.status_code == 200, r.text
    return r.json()


def test_all_calls_newest_first(client: TestClient) -> None:
    body = search(client)
    assert linkedids(body) == ["1705.1", "1704.1", "1703.1", "1701.1", "1700.1", "1702.1"]
    assert (body["total"], body["limit"], body["offset"]) == (6, 20, 0)


def test_default_limit_is_50_capped_by_page_size_max(client: TestClient) -> None:
    # page_size_max is 20 in these tests, so the default of 50 is capped to it.
    assert search(client)["limit"] == 20


@pytest.mark.parametrize("token", [QA, ADMIN, TICKET])
def test_every_role_may_search(client: TestClient, token: str) -> None:
    assert client.get("/calls", headers=auth(token)).status_code == 200


def test_naive_times_are_in_the_company_zone(client: TestClient) -> None:
    body = search(client, since="2026-11-23T00:00:00", until="2026-11-24T00:00:00")
    assert linkedids(body) == ["1701.1", "1700.1", "1702.1"]
    assert body["total"] == 3


def test_times_with_an_offset_are_taken_as_given(client: TestClient) -> None:
    body = search(client, since="2026-11-23T00:00:00Z", until="2026-11-24T00:00:00Z")
    assert linkedids(body) == ["1703.1", "1701.1", "1700.1"]


def test_since_is_inclusive_until_exclusive(client: TestClient) -> None:
    body = search(client, since="2026-11-23T12:30:00+08:00", until="2026-11-24T09:00:00+08:00")
    assert linkedids(body) == ["1703.1", "1701.1"]


def test_since_after_until_is_refused(client: TestClient) -> None:
    r = client.get("/calls", params={"since": "2026-11-24T00:00", "until": "2026-11-23T00:00"},
                   headers=auth(QA))
    assert r.status_code == 422
    assert r.json()["error_id"] == "calls.invalid_period"


def test_bad_datetime_is_a_422(client: TestClient) -> None:
    r = client.get("/calls", params={"since": "yesterday"}, headers=auth(QA))
    assert r.status_code == 422
    body = r.json()
    assert body["error_id"] == "request.invalid"
    assert body["details"]["errors"][0]["location"] == "query.since"


def test_filter_by_caller(client: TestClient) -> None:
    assert linkedids(search(client, caller="13800000001")) == ["1700.1", "1702.1"]


def test_filter_by_agent(client: TestClient) -> None:
    assert linkedids(search(client, agent="1002")) == ["1704.1", "1703.1"]


def test_filter_by_disposition(client: TestClient) -> None:
    assert linkedids(search(client, disposition="answered")) == ["1704.1", "1703.1", "1700.1"]
    assert linkedids(search(client, disposition="voicemail")) == ["1702.1"]
    assert search(client, disposition="forwarded") == {"items": [], "total": 0, "limit": 20,
                                                       "offset": 0, "next": None}


def test_filters_combine(client: TestClient) -> None:
    body = search(client, caller="13800000001", disposition="answered",
                  since="2026-11-23T09:00")
    assert linkedids(body) == ["1700.1"]


def test_unknown_disposition_is_a_422_with_error_id(client: TestClient) -> None:
    r = client.get("/calls", params={"disposition": "hung_up"}, headers=auth(QA))
    assert r.status_code == 422
    body = r.json()
    assert body["error_id"] == "request.invalid"
    assert "disposition" in body["message"]
    assert body["details"]["errors"][0]["location"] == "query.disposition"


def test_pagination_and_total(client: TestClient) -> None:
    first = search(client, limit=2)
    second = search(client, limit=2, offset=2)
    last = search(client, limit=2, offset=4)
    beyond = search(client, limit=2, offset=10)
    assert [first["total"], second["total"], last["total"], beyond["total"]] == [6] * 4
    assert linkedids(first) + linkedids(second) + linkedids(last) == linkedids(search(client))
    assert (second["limit"], second["offset"]) == (2, 2)
    assert beyond["items"] == []


def test_pagination_with_filter_counts_only_matches(client: TestClient) -> None:
    body = search(client, disposition="answered", limit=1, offset=1)
    assert body["total"] == 3
    assert linkedids(body) == ["1703.1"]


@pytest.mark.parametrize("params", [{"limit": 21}, {"limit": 0}, {"offset": -1},
                                    {"limit": "many"}])
def test_bad_pagination_is_a_422(client: TestClient, params: dict[str, Any]) -> None:
    r = client.get("/calls", params=params, headers=auth(QA))
    assert r.status_code == 422
    assert r.json()["error_id"] == "request.invalid"


def test_limit_up_to_page_size_max(client: TestClient) -> None:
    assert search(client, limit=20)["limit"] == 20


def test_one_call_shape(client: TestClient, world: World) -> None:
    call_id = world.ids["1700.1"]
    r = client.get(f"/calls/{call_id}", headers=auth(TICKET))
    assert r.status_code == 200
    call = r.json()
    assert set(call) == {
        "id", "linkedid", "caller", "caller_name", "called", "started_at", "answered_at",
        "queued_at", "agent_answered_at", "ended_at", "route", "agent", "disposition",
        "wait_seconds", "talk_seconds", "hangup_cause", "hangup_by", "decided_by", "partial",
        "ring_attempts", "recording", "recording_error", "qa_flags", "legs", "direction",
        "source", "hold_seconds", "agents",  # issues 13, 8
        "live_sessions"}  # R18: supervisors who listened in (tests/api/test_api_live_sessions.py)
    assert call["source"] == "live"  # issue 13: what the bridge followed (else "reconciled")
    assert call["id"] == call_id
    assert call["direction"] == "inbound"
    assert call["linkedid"] == "1700.1"
    assert (call["caller"], call["caller_name"], call["called"]) == (
        "13800000001", "王五", "4008001234")
    assert call["started_at"] == "2026-11-23T10:00:00.123+08:00"
    assert call["answered_at"] == "2026-11-23T10:00:00.623+08:00"
    assert call["queued_at"] == "2026-11-23T10:00:06.123+08:00"
    assert call["agent_answered_at"] == "2026-11-23T10:00:12.123+08:00"
    assert call["ended_at"] == "2026-11-23T10:01:30.123+08:00"
    assert (call["route"], call["agent"], call["disposition"]) == ("agent", "1001", "answered")
    assert (call["wait_seconds"], call["talk_seconds"]) == (6.0, 78.0)
    assert (call["hangup_cause"], call["hangup_by"], call["decided_by"]) == (
        "Normal Clearing", "caller", "fastagi")
    assert call["partial"] is False
    # ISO 8601 in the company's zone like every other time (issue 12), not epoch seconds.
    assert call["ring_attempts"] == [
        {"agent": "1002", "at": "2026-11-23T10:00:11.123+08:00", "ring_seconds": 5.0,
         "answered": False},
        {"agent": "1001", "at": "2026-11-23T10:00:12.123+08:00", "ring_seconds": 1.0,
         "answered": True}]
    assert call["recording"] == {
        "duration_seconds": 3.0, "channels": 2,
        "sha256": world.store.get(call_id).recording_sha256,  # type: ignore[union-attr]
        "url": f"/calls/{call_id}/recording"}
    assert call["recording_error"] is None
    assert call["qa_flags"] == {"dead_air": [{"start": 0.5, "end": 6.0}],
                                "overtalk": [{"start": 1.0, "end": 2.5, "by": "agent"}],
                                "talk_ratio": 0.5}
    assert call["legs"] == [
        {"uniqueid": "1700.1", "channel": "PJSIP/trunk-00000001", "caller": "13800000001",
         "started_at": "2026-11-23T10:00:00.123+08:00",
         "answered_at": "2026-11-23T10:00:00.623+08:00",
         "ended_at": "2026-11-23T10:01:30.123+08:00", "cause": 16,
         "cause_text": "Normal Clearing"},
        {"uniqueid": "1700.2", "channel": "PJSIP/1001-00000002", "caller": "4008001234",
         "started_at": "2026-11-23T10:00:08.123+08:00",
         "answered_at": "2026-11-23T10:00:12.123+08:00",
         "ended_at": "2026-11-23T10:01:30.123+08:00", "cause": 16,
         "cause_text": "Normal Clearing"}]


def test_absent_values_are_null(client: TestClient, world: World) -> None:
    call = client.get(f"/calls/{world.ids['1705.1']}", headers=auth(QA)).json()
    assert call["answered_at"] is None and call["ended_at"] is None
    assert call["agent"] is None and call["route"] is None and call["wait_seconds"] is None
    assert call["recording"] is None
    assert call["recording_error"] == "MixMonitor produced no file"
    assert call["qa_flags"] is None
    assert call["partial"] is True
    assert call["legs"] == [] and call["ring_attempts"] == []


def test_other_company_zone(tmp_path: Path, world: World) -> None:
    settings = make_settings(tmp_path, HOTLINE_COMPANY__TIMEZONE='"Europe/Paris"')
    with TestClient(create_app(settings, world.store)) as client:
        call = client.get(f"/calls/{world.ids['1700.1']}", headers=auth(QA)).json()
        assert call["started_at"] == "2026-11-23T03:00:00.123+01:00"
        body = client.get("/calls", params={"since": "2026-11-24T02:00"},
                          headers=auth(QA)).json()  # 09:00 in Shanghai
        assert linkedids(body) == ["1705.1", "1704.1"]


def test_list_items_have_the_same_shape(client: TestClient, world: World) -> None:
    one = client.get(f"/calls/{world.ids['1700.1']}", headers=auth(QA)).json()
    listed = search(client, caller="13800000001", disposition="answered")["items"][0]
    assert listed == one


def test_unknown_call_is_a_404(client: TestClient) -> None:
    r = client.get("/calls/999", headers=auth(QA))
    assert r.status_code == 404
    assert r.json() == {"error_id": "call.not_found", "message": "no such call",
                        "details": {"id": 999}}


def test_non_numeric_id_is_a_422(client: TestClient) -> None:
    r = client.get("/calls/abc", headers=auth(QA))
    assert r.status_code == 422
    assert r.json()["error_id"] == "request.invalid"


def test_hold_seconds_and_agents_are_served(world: World, client: TestClient) -> None:
    """issue 8 (R9): every record has hold_seconds and agents; agent is the first of agents."""
    from callrecords.record import CallRecord
    from domain.status import Disposition, Route

    call_id = world.store.save(CallRecord(
        "1799.1", 1_795_000_000.0, caller="13800000009", route=Route.AGENT, agent="1001",
        disposition=Disposition.ANSWERED, talk_seconds=61.0, hold_seconds=14.2,
        agents=["1001", "1002"]))
    one = client.get(f"/calls/{call_id}", headers=auth(QA)).json()
    assert one["hold_seconds"] == 14.2 and one["agents"] == ["1001", "1002"]
    assert one["agent"] == "1001"
    for item in search(client, limit=20)["items"]:
        assert isinstance(item["hold_seconds"], float)
        assert item["agents"][:1] == ([item["agent"]] if item["agent"] else [])
