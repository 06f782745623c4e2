"""The durable access log (R26, issue 13): every recording fetch lands in the audit table with
who, from where, which range, the status and the bytes actually sent; refused attempts too
(401 and 403); GET /audit lets admins and supervisors query it, nobody else."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import soundfile as sf
import uvicorn
from api_fixtures import ADMIN, QA, TICKET, World, auth, make_settings
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import fingerprint


def url(world: World) -> str:
    return f"/calls/{world.ids['1700.1']}/recording"


def test_every_fetch_and_refusal_is_stored(client: TestClient, world: World) -> None:
    size = world.wav.stat().st_size
    assert client.get(url(world), headers=auth(QA)).status_code == 200
    assert client.get(url(world), headers={**auth(QA), "Range": "bytes=0-99"}).status_code == 206
    assert client.get(url(world), headers=auth(TICKET)).status_code == 403
    assert client.get(url(world)).status_code == 401
    assert client.get(url(world), headers=auth("not-a-token")).status_code == 401

    r = client.get("/audit", params={"action": "recording.fetch"}, headers=auth(ADMIN))
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 5
    bad_token, missing, forbidden, ranged, whole = body["items"]  # newest first
    target = f"call:{world.ids['1700.1']}"
    assert all(e["target"] == target and e["client"] == "testclient" for e in body["items"])
    assert (whole["status"], whole["bytes_sent"], whole["role"]) == (200, size, "qa")
    assert whole["token"] == fingerprint(QA) and whole["range"] == ""
    assert (ranged["status"], ranged["bytes_sent"], ranged["range"]) == (206, 100,
                                                                         "bytes=0-99")
    assert (forbidden["status"], forbidden["error_id"], forbidden["role"]) == (
        403, "auth.forbidden", "ticket")
    assert forbidden["bytes_sent"] == 0
    assert (missing["status"], missing["error_id"], missing["role"]) == (401, "auth.missing", "")
    assert (bad_token["status"], bad_token["error_id"]) == (401, "auth.invalid")
    assert "not-a-token" not in r.text and QA not in r.text  # fingerprints, never tokens


def test_only_admins_and_supervisors_read_the_log(client: TestClient) -> None:
    assert client.get("/audit", headers=auth(QA)).status_code == 403
    assert client.get("/audit", headers=auth(TICKET)).status_code == 403
    assert client.get("/audit").status_code == 401
    assert client.get("/audit", headers=auth(ADMIN)).status_code == 200
    bad = client.get("/audit", params={"since": "2026-12-02", "until": "2026-12-01"},
                     headers=auth(ADMIN))
    assert bad.status_code == 422 and bad.json()["error_id"] == "request.invalid"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_aborted_download_logs_the_bytes_actually_sent(world: World, tmp_path: Path) -> None:
    # Ten minutes of stereo: far more than the socket buffers hold, so the server is still
    # sending when the client walks away after 1 KiB.
    big = world.recordings / "2026" / "11" / "23" / "1700.1.wav"
    rng = np.random.default_rng(3)
    sf.write(big, (rng.standard_normal((8000 * 600, 2)) * 3000).astype(np.int16), 8000,
             subtype="PCM_16")
    size = big.stat().st_size
    world.store.update(world.ids["1700.1"], recording_sha256=None)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(world.settings, world.store),
                                           host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                httpx.get(f"{base}/health", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        with httpx.stream("GET", base + url(world), headers=auth(QA), timeout=5) as r:
            assert r.status_code == 200
            got = next(r.iter_raw(1024))
        assert len(got) >= 1024
        entries: list[dict[str, object]] = []
        for _ in range(100):  # the entry is written when the server gives up on the client
            entries = httpx.get(f"{base}/audit", headers=auth(ADMIN), timeout=5).json()["items"]
            if entries:
                break
            time.sleep(0.1)
        assert len(entries) == 1
        sent = entries[0]["bytes_sent"]
        assert isinstance(sent, int) and 0 < sent < size
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_the_log_survives_a_new_app(world: World, tmp_path: Path) -> None:
    first = TestClient(create_app(world.settings, world.store))
    assert first.get(url(world), headers=auth(QA)).status_code == 200
    settings = make_settings(tmp_path)  # the same database, a restarted service
    again = TestClient(create_app(settings, world.store))
    assert again.get("/audit", headers=auth(ADMIN)).json()["total"] == 1
