"""Voicemail becomes a ticket, through the real Asterisk: an after-hours SIPp caller leaves a
message, and within 15 s of hanging up a ticket exists (channel voicemail, status new, the
call linked) whose served message holds the caller's tone. A caller who hangs up before the
beep leaves nothing and opens no ticket."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tests.telephony import audio
from tests.telephony.conftest import CALLER_TONE, Hotline
from tests.telephony.harness import user_event

pytestmark = pytest.mark.asterisk

EVENING = "2026-11-23T20:00:00+08:00"  # a Monday after hours: the caller reaches voicemail


def tickets_of(client: httpx.Client, caller: str) -> list[dict[str, Any]]:
    r = client.get("/tickets", params={"customer": caller})
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def test_an_after_hours_message_becomes_a_ticket(hotline: Hotline) -> None:
    caller = "13900006001"
    admin = httpx.Client(base_url=f"http://{hotline.settings.api.bind}", timeout=10,
                         headers={"Authorization": "Bearer test-admin"})
    mark = hotline.ami.mark()
    result, since = hotline.call(caller, talk_seconds=9, at=EVENING)  # that call's own clock
    hung_up = time.monotonic()
    assert result.completed, result.output
    left = hotline.ami.wait_for(mark, user_event("HotlineVoicemailLeft", Caller=caller))
    assert left["File"].endswith(".wav")

    found: list[dict[str, Any]] = []
    while not found and time.monotonic() - hung_up < 15:
        found = tickets_of(admin, caller)
        time.sleep(0.3)
    assert found, "no ticket within 15 s of the caller hanging up"
    ticket = found[0]
    assert (ticket["channel"], ticket["status"], ticket["category"]) == ("voicemail", "new",
                                                                         None)
    assert ticket["customer"]["number"] == caller
    record = hotline.api.wait_record(caller, since)
    assert record["disposition"] == "voicemail" and record["route"] == "after_hours"
    assert ticket["call_ids"] == [record["id"]]

    served = admin.get(ticket["voicemail"])
    assert served.status_code == 200 and served.headers["content-type"] == "audio/wav"
    target = hotline.base / f"voicemail-{ticket['id']}.wav"
    target.write_bytes(served.content)
    data, rate = audio.load(target)
    seconds = len(data) / rate
    assert seconds > 3.0, f"the message is only {seconds:.1f} s long"
    # The caller's tone fills the message (after the beep, before the hang-up).
    assert audio.tone_share(data, rate, 0, 0.5, seconds - 0.3, CALLER_TONE) > 0.8
    part = admin.get(ticket["voicemail"], headers={"Range": "bytes=0-43"})
    assert part.status_code == 206 and part.content == served.content[:44]
    assert hotline.api.client.get(ticket["voicemail"]).status_code == 200  # qa may listen
    assert [t["id"] for t in tickets_of(admin, caller)] == [ticket["id"]]  # one per message


def test_a_caller_who_leaves_no_message_opens_no_ticket(hotline: Hotline) -> None:
    caller = "13900006002"
    admin = httpx.Client(base_url=f"http://{hotline.settings.api.bind}", timeout=10,
                         headers={"Authorization": "Bearer test-admin"})
    mark = hotline.ami.mark()
    _result, since = hotline.call(caller, talk_seconds=0.5, at=EVENING)  # during the greeting
    record = hotline.api.wait_record(caller, since)
    assert record["route"] == "after_hours"
    time.sleep(3)  # more than the plugin needs once the record exists
    assert tickets_of(admin, caller) == []
    assert not any(user_event("HotlineVoicemailLeft", Caller=caller)(e)
                   for e in hotline.ami.since(mark))
