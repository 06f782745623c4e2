"""What the QA console (issue 10) asks of the API: a recording's waveform as peaks per channel,
a signed listening link an <audio> element can play with HTTP Range (no token in the URL,
every fetch still in the access log under the token's name, R26), the calls list's QA-flag
filters, an agent token's own calls only, and the console's static files at /console/."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import numpy as np
import soundfile as sf
from api_fixtures import ADMIN, QA, TICKET, World, auth
from fastapi.testclient import TestClient

from api.app import create_app
from credentials.store import TokenStore
from domain.clock import ManualClock
from recordings.peaks import compute_peaks


def _answered(world: World) -> int:
    return world.ids["1700.1"]


def test_peaks_per_channel_follow_the_audio(client: TestClient, world: World) -> None:
    # Caller loud in the first second only, agent quiet throughout: what the waveform shows.
    audio = np.zeros((24000, 2), dtype=np.int16)
    audio[:8000, 0] = 16384
    audio[:, 1] = 3277
    sf.write(world.wav, audio, 8000, subtype="PCM_16")
    r = client.get(f"/calls/{_answered(world)}/recording/peaks", params={"points": 30},
                   headers=auth(QA))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["duration_seconds"] == 3.0 and body["slice_seconds"] == 0.1
    caller, agent = body["channels"]["caller"], body["channels"]["agent"]
    assert len(caller) == len(agent) == 30
    assert caller[:10] == [50] * 10 and caller[10:] == [0] * 20
    assert set(agent) == {11}  # 3277 / 32768 = 10.0x %, rounded up


def test_peaks_follow_a_replaced_file_and_short_files(client: TestClient, world: World) -> None:
    url = f"/calls/{_answered(world)}/recording/peaks"
    first = client.get(url, params={"points": 10}, headers=auth(QA)).json()
    sf.write(world.wav, np.full((800, 2), -32768, dtype=np.int16), 8000, subtype="PCM_16")
    stat = world.wav.stat()
    os.utime(world.wav, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    second = client.get(url, params={"points": 10}, headers=auth(QA)).json()
    assert second != first and second["channels"]["caller"] == [100] * 10
    # Fewer frames than points: one value per frame.
    sf.write(world.wav, np.ones((4, 2), dtype=np.int16), 8000, subtype="PCM_16")
    assert len(compute_peaks(world.wav, 10).channels[0]) == 4


def test_peaks_refusals_name_the_reason(client: TestClient, world: World) -> None:
    cases = {
        f"/calls/{world.ids['1701.1']}/recording/peaks": (404, "recording.not_found"),
        f"/calls/{world.ids['1704.1']}/recording/peaks": (404, "recording.missing"),
        f"/calls/{world.ids['1703.1']}/recording/peaks": (404, "recording.path_refused"),
        "/calls/999999/recording/peaks": (404, "call.not_found"),
        f"/calls/{_answered(world)}/recording/peaks?points=5": (422, "request.invalid"),
    }
    for url, (status, error_id) in cases.items():
        r = client.get(url, headers=auth(QA))
        assert (r.status_code, r.json()["error_id"]) == (status, error_id), url
    world.wav.write_bytes(b"RIFF not really a wave file")
    r = client.get(f"/calls/{_answered(world)}/recording/peaks", headers=auth(QA))
    assert (r.status_code, r.json()["error_id"]) == (409, "recording.unreadable")
    r = client.get(f"/calls/{_answered(world)}/recording/peaks", headers=auth(TICKET))
    assert (r.status_code, r.json()["error_id"]) == (403, "auth.forbidden")


def test_a_listening_link_plays_with_range_and_is_audited(client: TestClient,
                                                         world: World) -> None:
    call = _answered(world)
    r = client.post(f"/calls/{call}/recording/link", headers=auth(QA))
    assert r.status_code == 200, r.text
    url = r.json()["url"]
    assert QA not in url and url.startswith(f"/calls/{call}/recording?listen=")
    part = client.get(url, headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and part.content == world.wav.read_bytes()[:100]
    whole = client.get(url)
    assert whole.status_code == 200 and whole.content == world.wav.read_bytes()
    log = client.get("/audit", params={"action": "recording.fetch", "limit": 2},
                     headers=auth(ADMIN)).json()["items"]
    assert [(e["role"], e["status"], e["range"]) for e in log] == [
        ("qa", 200, ""), ("qa", 206, "bytes=0-99")]


def test_a_listening_link_opens_one_recording_for_a_while(world: World) -> None:
    clock = ManualClock(datetime.now(UTC))
    with TestClient(create_app(world.settings, world.store, clock=clock),
                    raise_server_exceptions=False) as client:
        call = _answered(world)
        url = client.post(f"/calls/{call}/recording/link", headers=auth(QA)).json()["url"]
        listen = parse_qs(urlparse(url).query)["listen"][0]
        other = client.get(f"/calls/{world.ids['1701.1']}/recording",
                           params={"listen": listen})
        assert other.status_code == 401 and "another recording" in other.json()["message"]
        forged = client.get(f"/calls/{call}/recording", params={"listen": listen[:-2] + "AA"})
        assert forged.status_code == 401
        for odd in ("0.\u0080", listen.split(".")[0] + ".é", "é.é"):  # not ASCII: 401, no 500
            refused_odd = client.get(f"/calls/{call}/recording", params={"listen": odd})
            assert refused_odd.status_code == 401, (odd, refused_odd.text)
            assert refused_odd.json()["error_id"] == "auth.invalid"
        clock.advance(timedelta(seconds=world.settings.console.listen_link_seconds))
        late = client.get(url)
        assert late.status_code == 401 and "expired" in late.json()["message"]
        refused = client.post(f"/calls/{call}/recording/link", headers=auth(TICKET))
        assert refused.status_code == 403
        missing = client.post(f"/calls/{world.ids['1701.1']}/recording/link", headers=auth(QA))
        assert missing.json()["error_id"] == "recording.not_found"


def test_calls_filter_on_qa_flags(client: TestClient, world: World) -> None:
    def ids(**params: str) -> list[int]:
        r = client.get("/calls", params=params, headers=auth(QA))
        assert r.status_code == 200, r.text
        return [c["id"] for c in r.json()["items"]]

    world.store.update(world.ids["1704.1"], qa_flags={"dead_air": [], "overtalk": None})
    assert ids(dead_air="true") == ids(overtalk="true") == [_answered(world)]
    assert ids(dead_air="false") == [world.ids["1704.1"]]
    assert ids(overtalk="false") == []  # mono: overtalk not measurable, neither true nor false
    assert client.get("/calls", params={"dead_air": "maybe"},
                      headers=auth(QA)).status_code == 422


def test_an_agent_token_sees_its_own_calls_only(client: TestClient, world: World) -> None:
    token = TokenStore(world.store.sessions).create("agent:1002", "李四", None,
                                                    datetime.now(UTC))[1]
    page = client.get("/calls", headers=auth(token)).json()
    assert {c["agent"] for c in page["items"]} == {"1002"} and page["total"] == 2
    assert client.get("/calls", params={"agent": "1001"}, headers=auth(token)).json()[
        "total"] == 0
    other = client.get(f"/calls/{_answered(world)}", headers=auth(token))
    assert (other.status_code, other.json()["error_id"]) == (404, "call.not_found")
    own = client.get(f"/calls/{world.ids['1704.1']}", headers=auth(token))
    assert own.status_code == 200


def test_the_console_is_served_from_the_package(client: TestClient) -> None:
    page = client.get("/console/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert client.get("/console/app.js").status_code == 200
    assert client.get("/console/nothing.js").status_code == 404
