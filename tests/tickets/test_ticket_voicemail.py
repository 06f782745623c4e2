"""GET /tickets/{id}/voicemail: the message, with HTTP Range, for the roles that may fetch
recordings, every access audited (R26). The plugin that opens the ticket is tested here with
a real dispatcher event and through the real Asterisk in tests/telephony/test_tickets.py."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.tickets.ticket_fixtures import Desk
from tickets.desk import TicketDesk
from tickets.plugin import VoicemailTickets


def message(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(16000) / 8000
    sf.write(path, (np.sin(2 * np.pi * 600 * t) * 8000).astype(np.int16), 8000,
             subtype="PCM_16")
    return path.read_bytes()


def voicemail_ticket(desk: Desk) -> tuple[int, bytes]:
    recordings = Path(desk.settings.storage.recordings_dir)
    data = message(recordings / "voicemail/2026/11/23/1800.1.wav")
    ticket_desk: TicketDesk = desk.client.app.state.ticket_desk  # type: ignore[attr-defined]
    t = ticket_desk.create({"channel": "voicemail", "customer": {"number": "13800000001"},
                            "call_ids": [desk.call_id],
                            "voicemail_path": "voicemail/2026/11/23/1800.1.wav"}, "system", None)
    return t.id, data


def test_the_message_is_served_whole_and_by_range(desk: Desk,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    tid, data = voicemail_ticket(desk)
    t = desk.get(tid)
    assert t["voicemail"] == f"/tickets/{tid}/voicemail" and t["channel"] == "voicemail"
    caplog.set_level(logging.INFO, logger="hotline.audit")
    r = desk.client.get(t["voicemail"], headers=desk.as_("qa"))
    assert r.status_code == 200 and r.headers["content-type"] == "audio/wav"
    assert r.content == data and r.headers["accept-ranges"] == "bytes"
    r = desk.client.get(t["voicemail"], headers={**desk.as_("supervisor"),
                                                 "Range": "bytes=100-199"})
    assert r.status_code == 206 and r.content == data[100:200]
    assert r.headers["content-range"] == f"bytes 100-199/{len(data)}"
    r = desk.client.get(t["voicemail"], headers={**desk.as_("admin"),
                                                 "Range": f"bytes={len(data)}-"})
    assert (r.status_code, r.json()["error_id"]) == (416, "voicemail.range_not_satisfiable")
    audited = [rec.getMessage() for rec in caplog.records if rec.name == "hotline.audit"]
    assert len(audited) == 3 and f"ticket={tid}" in audited[0]
    assert "status=206" in audited[1] and "status=416" in audited[2]


def test_roles_that_may_not_fetch_recordings_are_refused_and_audited(
        desk: Desk, caplog: pytest.LogCaptureFixture) -> None:
    tid, _ = voicemail_ticket(desk)
    caplog.set_level(logging.INFO, logger="hotline.audit")
    for role in ("ticket", "agent:1001"):
        r = desk.client.get(f"/tickets/{tid}/voicemail", headers=desk.as_(role))
        assert (r.status_code, r.json()["error_id"]) == (403, "auth.forbidden")
    refused = [rec.getMessage() for rec in caplog.records if rec.name == "hotline.audit"]
    assert len(refused) == 2 and all("refused" in m for m in refused)


def test_no_voicemail_and_missing_files(desk: Desk) -> None:
    plain = desk.create(category="inquiry")
    r = desk.client.get(f"/tickets/{plain['id']}/voicemail", headers=desk.as_("qa"))
    assert (r.status_code, r.json()["error_id"]) == (404, "voicemail.not_found")
    tid, _ = voicemail_ticket(desk)
    (Path(desk.settings.storage.recordings_dir) / "voicemail/2026/11/23/1800.1.wav").unlink()
    r = desk.client.get(f"/tickets/{tid}/voicemail", headers=desk.as_("qa"))
    assert (r.status_code, r.json()["error_id"]) == (404, "voicemail.missing")
    r = desk.client.get("/tickets/999/voicemail", headers=desk.as_("qa"))
    assert (r.status_code, r.json()["error_id"]) == (404, "ticket.not_found")


def test_the_plugin_opens_one_ticket_per_message(desk: Desk, tmp_path: Path) -> None:
    asterisk_root = tmp_path / "root"
    inner = "/srv/hotline/x/spool/voicemail/hotline/8000/INBOX/msg0000.wav"
    data = message(asterisk_root / inner.lstrip("/"))
    ticket_desk: TicketDesk = desk.client.app.state.ticket_desk  # type: ignore[attr-defined]
    plugin = VoicemailTickets(ticket_desk, Path(desk.settings.storage.recordings_dir),
                              lambda p: asterisk_root / p.lstrip("/"), record_wait=0.2)

    async def run() -> list[int | None]:
        first = await plugin.open_ticket("1800.1", inner, "13800000001")
        again = await plugin.open_ticket("1800.1", inner, "13800000001")  # a replayed event
        lost = await plugin.open_ticket("1900.1", inner.replace("0000", "0009"), "1")
        return [first, again, lost]

    first, again, lost = asyncio.run(run())
    assert first is not None and again == first and lost is None
    t = desk.get(first)
    assert (t["channel"], t["status"], t["category"]) == ("voicemail", "new", None)
    assert t["customer"]["number"] == "13800000001" and t["call_ids"] == [desk.call_id]
    served = desk.client.get(t["voicemail"], headers=desk.as_("qa"))
    assert served.content == data
