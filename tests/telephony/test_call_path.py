"""The hotline call path end to end through the real Asterisk: SIPp callers on the trunk, SIPp
agent phones that register and answer; outcomes checked in the recording, the call record
served by the API, and the dialplan's UserEvents over AMI."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.telephony import audio
from tests.telephony.conftest import AGENT_TONE, CALLER_TONE, Hotline
from tests.telephony.harness import user_event

pytestmark = pytest.mark.asterisk


def _recording(hotline: Hotline, record: dict) -> Path:
    call = hotline.api.client.get(f"/calls/{record['id']}").json()
    assert call["recording"] is not None, call.get("recording_error")
    body = hotline.api.client.get(call["recording"]["url"])
    assert body.status_code == 200 and body.headers["content-type"] == "audio/wav"
    target = hotline.base / f"download-{record['id']}.wav"
    target.write_bytes(body.content)
    return target


def test_working_hours_call_reaches_agent_and_is_recorded(hotline: Hotline, phones) -> None:
    """R1 answer at once, R2 greeting + queue, R11 recording with both sides, R12 record."""
    phones("1001")
    mark = hotline.ami.mark()
    result, since = hotline.call("13900000001", talk_seconds=9)
    assert result.completed, result.output
    route = hotline.ami.wait_for(mark, user_event("HotlineRoute"))
    assert route["Route"] == "agent" and route["Decider"] == "fastagi"
    assert route["Prompts"].endswith("/prompts/greeting")
    record = hotline.api.wait_record("13900000001", since)

    # R1: the IVR answered on the first ring (Asterisk's own timestamps).
    assert record["answered_at"] is not None
    from datetime import datetime
    t = {k: datetime.fromisoformat(record[k]).timestamp() for k in
         ("started_at", "answered_at", "queued_at", "agent_answered_at", "ended_at")}
    assert t["answered_at"] - t["started_at"] < 1.0
    assert t["started_at"] <= t["answered_at"] <= t["queued_at"] <= t["agent_answered_at"]
    assert t["agent_answered_at"] < t["ended_at"]
    assert record["started_at"].endswith("+08:00")

    # The record is complete (R12).
    assert record["caller"] == "13900000001" and record["caller_name"] == "测试客户"
    assert record["called"] == hotline.settings.hotline.number
    assert record["route"] == "agent" and record["agent"] == "1001"
    assert record["disposition"] == "answered"
    assert record["hangup_by"] == "caller" and record["hangup_cause"] == "Normal Clearing"
    assert 0.5 <= record["wait_seconds"] <= 3.0  # one ring (1 s) in the SIPp phone
    assert 3.0 <= record["talk_seconds"] <= 9.0
    assert len(record["legs"]) >= 2 and all(leg["ended_at"] for leg in record["legs"])
    # Consistent (issue 12): the queue's Local legs carry the caller's number; the caller's
    # leg ended for the reason the call did.
    local = [leg for leg in record["legs"] if leg["channel"].startswith("Local/")]
    assert local and all(leg["caller"] == "13900000001" for leg in local)
    assert not any(leg["caller"] in ("", "<unknown>") for leg in record["legs"])
    first = next(leg for leg in record["legs"] if leg["uniqueid"] == record["linkedid"])
    assert first["cause_text"] == record["hangup_cause"] and first["cause"] == 16
    rec = record["recording"]
    assert rec["channels"] == 2 and len(rec["sha256"]) == 64
    assert abs(rec["duration_seconds"] - (t["ended_at"] - t["answered_at"])) < 1.0

    # Both sides are in the recording: caller left, what the caller heard right (R11).
    data, rate = audio.load(_recording(hotline, record))
    talk_start = t["agent_answered_at"] - t["answered_at"] + 2.5  # after the 工号 announcement
    talk_end = t["ended_at"] - t["answered_at"] - 0.3
    assert talk_end - talk_start > 2.0
    assert audio.tone_share(data, rate, 0, talk_start, talk_end, CALLER_TONE) > 0.8
    assert audio.tone_share(data, rate, 1, talk_start, talk_end, AGENT_TONE) > 0.8
    # The greeting was heard before the queue (right channel not silent, and not the agent).
    greeting_end = t["queued_at"] - t["answered_at"]
    assert audio.rms_dbfs(data, rate, 1, 0.0, greeting_end) > -40
    assert audio.tone_share(data, rate, 1, 0.0, greeting_end, AGENT_TONE) < 0.1
    # QA flags (issue 3) were measured on the conversation.
    assert record["qa_flags"] is not None and "error" not in record["qa_flags"]
    # Recordings, the database and the configuration with its secrets are the owner's alone.
    stored = next((hotline.base / "recordings").rglob(f"{record['linkedid']}.wav"))
    for path in (stored, hotline.base / "calls.db",
                 hotline.instance.etc / "pjsip.conf", hotline.instance.etc / "manager.conf"):
        assert path.stat().st_mode & 0o077 == 0, path


def test_recording_download_supports_range(hotline: Hotline, phones) -> None:
    phones("1001")
    result, since = hotline.call("13900000002", talk_seconds=6)
    assert result.completed, result.output
    record = hotline.api.wait_record("13900000002", since)
    url = record["recording"]["url"]
    full = hotline.api.client.get(url)
    assert full.status_code == 200 and full.headers["accept-ranges"] == "bytes"
    part = hotline.api.client.get(url, headers={"Range": "bytes=0-43"})
    assert part.status_code == 206
    assert part.content == full.content[:44] and part.content.startswith(b"RIFF")
    assert part.headers["content-range"] == f"bytes 0-43/{len(full.content)}"
    tail = hotline.api.client.get(url, headers={"Range": "bytes=-100"})
    assert tail.status_code == 206 and tail.content == full.content[-100:]
    import hashlib
    assert hashlib.sha256(full.content).hexdigest() == record["recording"]["sha256"]


def test_unanswered_agent_times_out_to_next_agent(hotline: Hotline, phones) -> None:
    """R1: an agent's phone rings at most ring_timeout; then the next agent gets the call."""
    phones("1001", mode="noanswer")
    phones("1002")
    result, since = hotline.call("13900000003", talk_seconds=14)
    assert result.completed, result.output
    record = hotline.api.wait_record("13900000003", since)
    assert record["disposition"] == "answered" and record["agent"] == "1002"
    missed = [a for a in record["ring_attempts"] if not a["answered"]]
    assert missed and missed[0]["agent"] == "1001"
    # Times like every other time in the record (issue 12): ISO 8601 in the company's zone.
    for attempt in record["ring_attempts"]:
        assert attempt["at"].endswith("+08:00")
        assert record["started_at"] <= attempt["at"] <= record["ended_at"]
    ring = hotline.settings.queue.ring_timeout
    assert ring - 0.5 <= missed[0]["ring_seconds"] <= ring + 1.0
    assert record["wait_seconds"] >= ring


def test_no_agent_signed_in_goes_to_voicemail(hotline: Hotline, phones) -> None:
    """R7: nobody there in working hours: voicemail, and the record says so."""
    mailbox = hotline.instance.voicemail / "hotline" / hotline.settings.voicemail.mailbox
    before = set(mailbox.rglob("msg*.wav")) if mailbox.exists() else set()
    mark = hotline.ami.mark()
    _result, since = hotline.call("13900000004", talk_seconds=6)
    hotline.ami.wait_for(mark, user_event("HotlineVoicemail"))
    record = hotline.api.wait_record("13900000004", since)
    assert record["route"] == "voicemail" and record["disposition"] == "voicemail"
    assert record["agent"] is None and record["agent_answered_at"] is None
    after = set(mailbox.rglob("msg*.wav")) if mailbox.exists() else set()
    assert after - before, "no voicemail message was left"


def test_queue_timeout_overflows_to_voicemail(hotline: Hotline, phones) -> None:
    phones("1001", mode="noanswer")
    _result, since = hotline.call("13900000005", talk_seconds=hotline.settings.queue.max_wait + 6)
    record = hotline.api.wait_record("13900000005", since)
    assert record["route"] == "voicemail" and record["disposition"] == "voicemail"
    max_wait = hotline.settings.queue.max_wait
    assert max_wait - 1 <= record["wait_seconds"] <= max_wait + hotline.settings.queue.ring_timeout


def test_caller_hangs_up_in_queue_is_abandoned(hotline: Hotline, phones) -> None:
    phones("1001", mode="noanswer")
    result, since = hotline.call("13900000006", talk_seconds=4)
    assert result.completed, result.output
    record = hotline.api.wait_record("13900000006", since)
    assert record["disposition"] == "abandoned" and record["route"] == "agent"
    assert record["hangup_by"] == "caller"
    assert 1.0 <= record["wait_seconds"] <= 4.0


@pytest.mark.parametrize(("at", "route", "greeting"), [
    ("2026-11-23T20:00:00+08:00", "after_hours", "after_hours"),         # Monday evening
    ("2026-10-01T10:00:00+08:00", "holiday", "holiday_greeting"),       # National Day, Thu
    ("2026-11-21T10:00:00+08:00", "after_hours", "weekend_greeting"),   # plain Saturday
    ("2026-12-24T10:00:00+08:00", "holiday", "holiday_greeting"),       # operator's closed day
])
def test_closed_times_go_out_of_hours(hotline: Hotline, phones, at: str, route: str,
                                      greeting: str) -> None:
    """R3/R7: out of hours and on holidays the agents' phones do not ring; the caller hears
    the out-of-hours (holiday) greeting and reaches voicemail."""
    phones("1001")  # an agent is there, yet must not be rung
    caller = "1390000" + at[5:7] + at[8:10] + at[11:13]
    mark = hotline.ami.mark()
    _result, since = hotline.call(caller, talk_seconds=5, at=at)
    event = hotline.ami.wait_for(mark, user_event("HotlineRoute"))
    assert event["Route"] == route
    assert event["Prompts"].split("&")[0].endswith(f"/prompts/{greeting}")
    record = hotline.api.wait_record(caller, since)
    assert record["route"] == route and record["agent"] is None
    assert record["disposition"] in ("voicemail", "missed")
    assert not any(e.get("Event") == "AgentCalled" for e in hotline.ami.since(mark))


def test_makeup_saturday_is_a_working_day(hotline: Hotline, phones) -> None:
    """R7: 2026-10-10 is a Saturday made into a working day (调休): agents take calls."""
    phones("1001")
    result, since = hotline.call("13900001010", talk_seconds=7, at="2026-10-10T10:00:00+08:00")
    assert result.completed, result.output
    record = hotline.api.wait_record("13900001010", since)
    assert record["route"] == "agent" and record["disposition"] == "answered"
