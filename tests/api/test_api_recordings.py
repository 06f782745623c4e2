"""GET /calls/{id}/recording: access control and audit (R26), whole and ranged downloads,
missing or misplaced files."""

from __future__ import annotations

import io
import logging

import pytest
import soundfile as sf
from api_fixtures import ADMIN, QA, TICKET, World, auth
from fastapi.testclient import TestClient

from api.auth import fingerprint


def url(world: World, linkedid: str = "1700.1") -> str:
    return f"/calls/{world.ids[linkedid]}/recording"


def test_whole_file(client: TestClient, world: World) -> None:
    r = client.get(url(world), headers=auth(QA))
    data = world.wav.read_bytes()
    assert r.status_code == 200
    assert r.content == data
    assert r.headers["content-type"] == "audio/wav"
    assert r.headers["content-length"] == str(len(data))
    assert r.headers["accept-ranges"] == "bytes"
    sha = world.store.get(world.ids["1700.1"]).recording_sha256  # type: ignore[union-attr]
    assert r.headers["etag"] == f'"{sha}"'
    assert "content-range" not in r.headers


def test_download_is_a_playable_wav(client: TestClient, world: World) -> None:
    r = client.get(url(world), headers=auth(ADMIN))
    info = sf.info(io.BytesIO(r.content))
    assert (info.samplerate, info.channels, round(info.duration, 2)) == (8000, 2, 3.0)


def test_first_bytes(client: TestClient, world: World) -> None:
    data = world.wav.read_bytes()
    r = client.get(url(world), headers={**auth(QA), "Range": "bytes=0-43"})
    assert r.status_code == 206
    assert r.content == data[:44]
    assert r.content.startswith(b"RIFF")
    assert r.headers["content-range"] == f"bytes 0-43/{len(data)}"
    assert r.headers["content-length"] == "44"
    assert r.headers["accept-ranges"] == "bytes"


def test_middle_range_spanning_chunks(client: TestClient, world: World) -> None:
    data = world.wav.read_bytes()
    r = client.get(url(world), headers={**auth(QA), "Range": "bytes=60000-80000"})
    assert r.status_code == 206
    assert r.content == data[60000:80001]
    assert r.headers["content-range"] == f"bytes 60000-80000/{len(data)}"


def test_suffix_range(client: TestClient, world: World) -> None:
    data = world.wav.read_bytes()
    r = client.get(url(world), headers={**auth(QA), "Range": "bytes=-100"})
    assert r.status_code == 206
    assert r.content == data[-100:]
    assert r.headers["content-range"] == f"bytes {len(data) - 100}-{len(data) - 1}/{len(data)}"


def test_open_ended_range(client: TestClient, world: World) -> None:
    data = world.wav.read_bytes()
    r = client.get(url(world), headers={**auth(QA), "Range": "bytes=1000-"})
    assert r.status_code == 206
    assert r.content == data[1000:]
    assert r.headers["content-length"] == str(len(data) - 1000)


def test_range_end_past_the_file_is_clamped(client: TestClient, world: World) -> None:
    data = world.wav.read_bytes()
    r = client.get(url(world), headers={**auth(QA), "Range": f"bytes=10-{len(data) * 2}"})
    assert r.status_code == 206
    assert r.content == data[10:]
    assert r.headers["content-range"] == f"bytes 10-{len(data) - 1}/{len(data)}"


def test_unsatisfiable_range(client: TestClient, world: World) -> None:
    size = world.wav.stat().st_size
    r = client.get(url(world), headers={**auth(QA), "Range": f"bytes={size}-"})
    assert r.status_code == 416
    assert r.headers["content-range"] == f"bytes */{size}"
    assert r.json()["error_id"] == "recording.range_not_satisfiable"


def test_multi_range_gets_the_whole_file(client: TestClient, world: World) -> None:
    r = client.get(url(world), headers={**auth(QA), "Range": "bytes=0-10,20-30"})
    assert r.status_code == 200
    assert r.content == world.wav.read_bytes()


def test_if_range_mismatch_gets_the_whole_file(client: TestClient, world: World) -> None:
    etag = client.get(url(world), headers=auth(QA)).headers["etag"]
    headers = {**auth(QA), "Range": "bytes=0-9"}
    assert client.get(url(world), headers={**headers, "If-Range": etag}).status_code == 206
    r = client.get(url(world), headers={**headers, "If-Range": '"stale"'})
    assert r.status_code == 200
    assert r.content == world.wav.read_bytes()


def test_ticket_role_is_forbidden(client: TestClient, world: World) -> None:
    r = client.get(url(world), headers=auth(TICKET))
    assert r.status_code == 403
    assert r.json()["error_id"] == "auth.forbidden"
    assert b"RIFF" not in r.content


def test_ticket_forbidden_even_for_unknown_call(client: TestClient) -> None:
    # The role check comes first, so a ticket token cannot probe which calls exist.
    r = client.get("/calls/999/recording", headers=auth(TICKET))
    assert r.status_code == 403


def test_recording_needs_a_token(client: TestClient, world: World) -> None:
    r = client.get(url(world))
    assert r.status_code == 401
    assert r.json()["error_id"] == "auth.missing"


def test_call_without_recording(client: TestClient, world: World) -> None:
    r = client.get(url(world, "1701.1"), headers=auth(QA))
    assert r.status_code == 404
    assert r.json()["error_id"] == "recording.not_found"


def test_unknown_call(client: TestClient) -> None:
    r = client.get("/calls/999/recording", headers=auth(QA))
    assert r.status_code == 404
    assert r.json()["error_id"] == "call.not_found"


def test_file_missing_on_disk(client: TestClient, world: World,
                              caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="hotline.api"):
        r = client.get(url(world, "1704.1"), headers=auth(QA))
    assert r.status_code == 404
    assert r.json()["error_id"] == "recording.missing"
    assert any(rec.levelno == logging.ERROR and rec.name == "hotline.api"
               for rec in caplog.records)


@pytest.mark.parametrize("stored", ["../outside.wav", "2026/../../outside.wav"])
def test_path_escaping_the_folder_is_refused(client: TestClient, world: World,
                                            stored: str) -> None:
    world.store.update(world.ids["1703.1"], recording_path=stored)
    r = client.get(url(world, "1703.1"), headers=auth(ADMIN))
    assert r.status_code == 404
    assert r.json()["error_id"] == "recording.path_refused"
    assert b"RIFF" not in r.content


def test_absolute_path_is_refused(client: TestClient, world: World) -> None:
    outside = world.recordings.parent / "outside.wav"
    world.store.update(world.ids["1703.1"], recording_path=str(outside))
    r = client.get(url(world, "1703.1"), headers=auth(ADMIN))
    assert r.json()["error_id"] == "recording.path_refused"


def test_symlink_out_of_the_folder_is_refused(client: TestClient, world: World) -> None:
    link = world.recordings / "link.wav"
    link.symlink_to(world.recordings.parent / "outside.wav")
    world.store.update(world.ids["1703.1"], recording_path="link.wav")
    r = client.get(url(world, "1703.1"), headers=auth(ADMIN))
    assert r.json()["error_id"] == "recording.path_refused"


def test_dotdot_staying_inside_is_fine(client: TestClient, world: World) -> None:
    world.store.update(world.ids["1703.1"], recording_path="2026/11/../11/23/1700.1.wav")
    r = client.get(url(world, "1703.1"), headers=auth(ADMIN))
    assert r.status_code == 200
    assert r.content == world.wav.read_bytes()


def test_every_access_is_audited(client: TestClient, world: World,
                                 caplog: pytest.LogCaptureFixture) -> None:
    call_id = world.ids["1700.1"]
    with caplog.at_level(logging.INFO, logger="hotline.audit"):
        client.get(url(world), headers={**auth(QA), "Range": "bytes=0-99"})
        client.get(url(world), headers=auth(ADMIN))
        client.get(url(world), headers=auth(TICKET))
    audits = [r for r in caplog.records if r.name == "hotline.audit"]
    assert len(audits) == 3
    ranged, whole, denied = audits
    assert ranged.role == "qa" and ranged.token == fingerprint(QA)  # type: ignore[attr-defined]
    assert ranged.call_id == call_id and ranged.status == 206  # type: ignore[attr-defined]
    assert f"qa/{fingerprint(QA)}" in ranged.getMessage()
    assert "bytes=0-99" in ranged.getMessage()
    assert f"call={call_id}" in ranged.getMessage()
    assert whole.role == "admin" and whole.status == 200  # type: ignore[attr-defined]
    assert denied.role == "ticket" and denied.status == 403  # type: ignore[attr-defined]
    assert denied.levelno == logging.WARNING
    assert "auth.forbidden" in denied.getMessage()
    for record in audits:
        for token in (QA, ADMIN, TICKET):
            assert token not in record.getMessage()
            assert token not in str(record.__dict__)


def test_listing_calls_is_not_audited(client: TestClient,
                                      caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="hotline.audit"):
        client.get("/calls", headers=auth(QA))
    assert not [r for r in caplog.records if r.name == "hotline.audit"]
