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

from callrecords.record import CallRecord, Leg
from tests.tickets.ticket_fixtures import Desk, at
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


def info_file(wav: Path, msg_id: str, channel: str, caller: str) -> None:
    wav.with_suffix(".txt").write_text(
        ";\n; Message Information file\n;\n[message]\norigmailbox=8000\n"
        f"context=hotline-leave-message\ncallerchan={channel}\n"
        f'callerid="测试客户" <{caller}>\norigtime={msg_id.partition("-")[0]}\n'
        f"msg_id={msg_id}\nduration=3\n", encoding="utf-8")


def test_messages_left_while_nobody_listened_become_tickets_at_login(
        desk: Desk, tmp_path: Path) -> None:
    root = tmp_path / "root"
    inbox = root / "srv/hotline/x/spool/voicemail/hotline/8000/INBOX"
    ticket_desk: TicketDesk = desk.client.app.state.ticket_desk  # type: ignore[attr-defined]
    plugin = VoicemailTickets(ticket_desk, Path(desk.settings.storage.recordings_dir),
                              lambda p: root / p.lstrip("/"), inbox, record_wait=0.2)
    t0 = int(at_epoch("2026-11-23T19:00:00"))
    old = inbox / "msg0000.wav"
    message(old)
    info_file(old, f"{t0 - 600}-00000000", "PJSIP/trunk-00000001", "13800000007")
    assert plugin.adopt_missed() == 0  # a fresh database adopts no backlog

    live = inbox / "msg0001.wav"
    message(live)
    info_file(live, f"{t0}-00000001", "PJSIP/trunk-00000002", "13800000001")
    inner = "/" + str(live.relative_to(root))
    first = asyncio.run(plugin.open_ticket("1800.1", inner, "13800000001"))

    # The bridge was down: this call was recorded (by the resync of calls), its message not.
    missed_call = desk.store.save(CallRecord(
        "1810.1", t0 + 60, caller="13800000008", ended_at=t0 + 100,
        legs=[Leg("1810.1", "PJSIP/trunk-00000003", t0 + 60, "13800000008")]))
    missed = inbox / "msg0002.wav"
    message(missed)
    info_file(missed, f"{t0 + 90}-00000002", "PJSIP/trunk-00000003", "13800000008")
    unknown = inbox / "msg0003.wav"  # its call has no record: a ticket all the same
    message(unknown)
    info_file(unknown, f"{t0 + 200}-00000003", "PJSIP/trunk-00000009", "13800000009")

    assert plugin.adopt_missed() == 2
    assert plugin.adopt_missed() == 0  # once per message
    found = desk.client.get("/tickets",
                            headers=desk.as_("admin")).json()["items"]
    by_number = {t["customer"]["number"]: t for t in found}
    assert set(by_number) == {"13800000001", "13800000008", "13800000009"}  # not the old one
    assert by_number["13800000001"]["id"] == first
    assert by_number["13800000008"]["call_ids"] == [missed_call]
    assert by_number["13800000009"]["call_ids"] == []
    served = desk.client.get(by_number["13800000008"]["voicemail"], headers=desk.as_("qa"))
    assert served.content == missed.read_bytes()
    assert asyncio.run(plugin.open_ticket("1800.1", inner, "13800000001")) == first


def at_epoch(text: str) -> float:
    return at(text).timestamp()


def test_every_voicemail_fetch_is_in_the_durable_access_log(desk: Desk) -> None:
    tid, data = voicemail_ticket(desk)
    assert desk.client.get(f"/tickets/{tid}/voicemail", headers=desk.as_("qa")).status_code \
        == 200
    assert desk.client.get(f"/tickets/{tid}/voicemail",
                           headers=desk.as_("ticket")).status_code == 403
    assert desk.client.get(f"/tickets/{tid}/voicemail").status_code == 401
    log = desk.client.get("/audit", params={"action": "voicemail.fetch"},
                          headers=desk.as_("admin")).json()
    unauthenticated, refused, fetched = log["items"]  # newest first
    assert all(e["target"] == f"ticket:{tid}" for e in log["items"])
    assert (fetched["status"], fetched["role"], fetched["bytes_sent"]) == (200, "qa", len(data))
    assert (refused["status"], refused["error_id"]) == (403, "auth.forbidden")
    assert (unauthenticated["status"], unauthenticated["error_id"]) == (401, "auth.missing")
