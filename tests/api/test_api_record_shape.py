"""Issue 12: what the API serves of a call record names no server path, and every time in it
(ring attempts included) is ISO 8601 in the company's zone; the OpenAPI document says so."""

from __future__ import annotations

from api_fixtures import QA, World, auth
from fastapi.testclient import TestClient


def test_qa_flags_name_the_file_not_where_the_server_keeps_it(client: TestClient,
                                                             world: World) -> None:
    call_id = world.ids["1700.1"]
    world.store.update(call_id, qa_flags={"file": f"{world.recordings}/2026/11/23/1700.1.wav",
                                          "talk_ratio": 0.4})
    call = client.get(f"/calls/{call_id}", headers=auth(QA)).json()
    assert call["qa_flags"] == {"file": "1700.1.wav", "talk_ratio": 0.4}
    assert str(world.recordings) not in str(call)


def test_ring_attempts_are_documented_with_their_time_format(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    attempt = schema["RingAttempt"]["properties"]
    assert set(attempt) >= {"agent", "at", "ring_seconds", "answered"}
    # A string like started_at (LocalTime), no longer a number.
    started_at = schema["CallOut"]["properties"]["started_at"]
    assert attempt["at"]["anyOf"][0]["type"] == started_at["type"] == "string"
