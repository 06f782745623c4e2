"""Calls that ended while the bridge was down get their record from Asterisk's CEL (issue 13,
R11/R12): the pure reconciliation (rows captured from the real Asterisk, and made-up ones for
the other outcomes), the CEL file adapter, and a recovery pass against a real store: nothing
duplicated, nothing live touched, orphaned raw recordings finalised and attached."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from callrecords.record import CallRecord
from callrecords.store import CallFilter, CallStore
from calls.cel import COLUMNS, CelLog
from calls.reconcile import record_from_cel
from domain.status import Decider, Disposition, HangupBy, RecordSource, Route
from hotline.bridge import Bridge
from pbx.layout import Instance
from settings import load_settings

# A real call, routed by the pyst2 fallback while the bridge was down, answered by agent 1001,
# the caller hanging up after 5 s: its CEL rows as Asterisk 22 wrote them (cel_sqlite3_custom).
AGENT_CALL: list[dict[str, Any]] = json.loads(
    (Path(__file__).with_name("cel_agent_call.json")).read_text())
LINKEDID = AGENT_CALL[0]["linkedid"]


def test_a_real_call_becomes_the_record_the_bridge_would_have_written() -> None:
    record = record_from_cel(AGENT_CALL)
    assert record is not None
    assert record.source is RecordSource.RECONCILED
    assert record.linkedid == LINKEDID and record.caller == "13900000998"
    assert record.called == "4008001234"
    assert (record.route, record.decided_by) == (Route.AGENT, Decider.FALLBACK)
    assert record.agent == "1001" and record.disposition is Disposition.ANSWERED
    assert record.hangup_by is HangupBy.CALLER and record.hangup_cause == "Normal Clearing"
    assert record.recording_file == f"hotline/{LINKEDID}.raw"
    assert not record.partial
    queued = next(float(r["eventtime"]) for r in AGENT_CALL if r["eventtype"] == "APP_START")
    agent_answer = next(float(r["eventtime"]) for r in AGENT_CALL if r["eventtype"] == "ANSWER"
                        and r["channame"].startswith("PJSIP/1001"))
    first_hangup = next(float(r["eventtime"]) for r in AGENT_CALL if r["eventtype"] == "HANGUP")
    assert record.wait_seconds == round(agent_answer - queued, 3)
    assert record.talk_seconds == round(first_hangup - agent_answer, 3)
    assert 0 < record.talk_seconds < record.ended_at - record.started_at  # type: ignore[operator]
    assert [a["agent"] for a in record.ring_attempts] == ["1001"]
    assert len(record.legs) == 4 and all(leg.ended_at for leg in record.legs)


def test_a_call_cut_by_asterisk_dying_is_closed_at_its_last_event_and_partial() -> None:
    cut = [r for r in AGENT_CALL if r["eventtype"] in ("CHAN_START", "ANSWER", "HotlineRoute",
                                                       "APP_START", "BRIDGE_ENTER")]
    record = record_from_cel(cut)
    assert record is not None and record.partial
    assert record.agent == "1001" and record.disposition is Disposition.ANSWERED
    assert record.ended_at == max(float(r["eventtime"]) for r in cut)


def _row(kind: str, at: float, uid: str, channel: str, **extra: Any) -> dict[str, Any]:
    return {"eventtype": kind, "eventtime": f"{at:.6f}", "cid_name": "", "cid_num": "139",
            "exten": "4008001234", "channame": channel, "appname": extra.pop("app", ""),
            "uniqueid": uid, "linkedid": "100.0", "userdeftype": extra.pop("user", ""),
            "eventextra": json.dumps(extra) if extra else ""}


def _inbound(route: str) -> list[dict[str, Any]]:
    caller = "PJSIP/trunk-00000001"
    return [_row("CHAN_START", 100, "100.0", caller), _row("ANSWER", 100.1, "100.0", caller),
            _row("HotlineRoute", 101, "100.0", caller, user="HotlineRoute",
                 extra=f"Route={route}&Decider=fallback")]


def test_a_caller_who_hangs_up_in_the_queue_is_abandoned_with_the_ring_attempt() -> None:
    caller, phone = "PJSIP/trunk-00000001", "PJSIP/1002-00000002"
    rows = [*_inbound("agent"), _row("APP_START", 102, "100.0", caller, app="Queue"),
            _row("CHAN_START", 102, "100.2", phone),
            _row("HANGUP", 106, "100.2", phone, hangupcause=19, hangupsource=""),
            _row("HANGUP", 109, "100.0", caller, hangupcause=16, hangupsource=caller)]
    record = record_from_cel(rows)
    assert record is not None
    assert record.disposition is Disposition.ABANDONED and record.hangup_by is HangupBy.CALLER
    assert record.wait_seconds == 7.0 and record.agent is None
    assert record.ring_attempts[0]["agent"] == "1002"
    assert record.ring_attempts[0]["ring_seconds"] == 4.0
    assert record.ring_attempts[0]["answered"] is False


def test_an_agent_who_hangs_up_first_is_recorded_so() -> None:
    caller, phone = "PJSIP/trunk-00000001", "PJSIP/1001-00000002"
    rows = [*_inbound("agent"), _row("APP_START", 102, "100.0", caller, app="Queue"),
            _row("CHAN_START", 102, "100.2", phone), _row("ANSWER", 103, "100.2", phone),
            _row("HANGUP", 130, "100.2", phone, hangupcause=16, hangupsource=phone),
            _row("HANGUP", 130.1, "100.0", caller, hangupcause=16, hangupsource=phone)]
    record = record_from_cel(rows)
    assert record is not None
    assert record.hangup_by is HangupBy.AGENT and record.talk_seconds == 27.0
    assert record.wait_seconds == 1.0


def test_voicemail_and_after_hours_routes() -> None:
    caller = "PJSIP/trunk-00000001"
    rows = [*_inbound("after_hours"), _row("APP_START", 105, "100.0", caller, app="VoiceMail"),
            _row("HANGUP", 120, "100.0", caller, hangupcause=16, hangupsource=caller)]
    record = record_from_cel(rows)
    assert record is not None
    assert record.route is Route.AFTER_HOURS and record.disposition is Disposition.VOICEMAIL


def test_rows_without_a_channel_start_make_no_record() -> None:
    assert record_from_cel([]) is None
    assert record_from_cel([r for r in AGENT_CALL if r["eventtype"] != "CHAN_START"]) is None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, len(AGENT_CALL) - 1), unique=True).map(sorted))
def test_any_part_of_a_log_gives_a_sound_record_or_none(keep: list[int]) -> None:
    """A log cut anywhere (Asterisk died, rows lost) never breaks reconciliation."""
    record = record_from_cel([AGENT_CALL[i] for i in keep])
    if record is not None:
        assert record.linkedid == LINKEDID and record.source is RecordSource.RECONCILED
        assert record.talk_seconds >= 0 and (record.wait_seconds or 0) >= 0
        assert record.ended_at is not None and record.ended_at >= record.started_at


# -- the CEL file ---------------------------------------------------------------------------
def test_the_log_rebuilds_no_call_where_the_bridge_would_keep_none() -> None:
    """The same rules as the live bridge (calls.tracker.no_call): a stranger's INVITE
    ([from-unknown]) or a supervisor's phone dialling in is no call, from CEL as from AMI."""
    for context in ("from-unknown", "from-supervisors"):
        rows = [{**r, "context": context} if r["eventtype"] == "CHAN_START" else r
                for r in AGENT_CALL]
        assert record_from_cel(rows) is None, context
    assert record_from_cel(AGENT_CALL) is not None


def test_a_blind_transfer_rebuilt_from_the_log_ends_with_whoever_hung_up_last() -> None:
    """A real call's CEL rows (tests/calls/cel_blind_transfer.json, the bridge down meanwhile):
    1001 answers, transfers to 1002 (Asterisk hangs 1001's phone up itself: hangupsource
    dialplan/builtin), the caller talks to 1002 and hangs up. Before, the first hangup naming
    any source ended the talk there: hangup_by system, 4 s of talk instead of 14."""
    rows = json.loads(Path(__file__).with_name("cel_blind_transfer.json").read_text("utf-8"))
    record = record_from_cel(rows)
    assert record is not None
    assert record.agents == ["1001", "1002"] and record.disposition == Disposition.ANSWERED
    assert record.hangup_by == HangupBy.CALLER
    assert record.talk_seconds is not None and 13.5 < record.talk_seconds < 14.5


def _cel_file(path: Path, calls: dict[str, list[dict[str, Any]]]) -> None:
    """The table as Asterisk's cel_sqlite3_custom creates it from our configuration."""
    con = sqlite3.connect(path)
    con.execute(f"CREATE TABLE cel (AcctId INTEGER PRIMARY KEY, {', '.join(COLUMNS[1:])})")
    for rows in calls.values():
        for row in rows:
            con.execute(f"INSERT INTO cel ({', '.join(COLUMNS[1:])}) VALUES "
                        f"({', '.join('?' * (len(COLUMNS) - 1))})",
                        [row.get(c, "") for c in COLUMNS[1:]])
    con.commit()
    con.close()


def _shifted(rows: list[dict[str, Any]], linkedid: str, by: float) -> list[dict[str, Any]]:
    return [{**r, "linkedid": linkedid, "uniqueid": r["uniqueid"].replace(LINKEDID, linkedid),
             "eventtime": f"{float(r['eventtime']) + by:.6f}"} for r in rows]


def test_the_cel_file_gives_each_recent_call_whole(tmp_path: Path) -> None:
    start = float(AGENT_CALL[0]["eventtime"])
    _cel_file(tmp_path / "master.db", {
        "old": _shifted(AGENT_CALL, "1.1", -7200), "mid": _shifted(AGENT_CALL, "2.1", -2),
        "new": _shifted(AGENT_CALL, "3.1", 60)})
    log = CelLog(tmp_path / "master.db")
    assert log.calls_since(start) == ["2.1", "3.1"]  # 2.1 started before `since`, ended after
    rows = log.rows(["2.1", "3.1", "9.9"], start - 60)
    assert sorted(rows) == ["2.1", "3.1"] and len(rows["2.1"]) == len(AGENT_CALL)
    assert [r["AcctId"] for r in rows["3.1"]] == sorted(r["AcctId"] for r in rows["3.1"])
    assert rows["2.1"][0]["eventtype"] == "CHAN_START"  # read whole, from its first row
    assert log.rows(["1.1"], start - 60) == {}  # outside the range read
    assert log.calls_since(start + 3600) == []
    assert CelLog(tmp_path / "none.db").calls_since(0) == []
    assert CelLog(tmp_path / "none.db").rows(["1.1"], 0) == {}


# -- a recovery pass against a real store ---------------------------------------------------
def _bridge(tmp_path: Path) -> Bridge:
    settings = load_settings(environ={
        "HOTLINE_STORAGE__SPOOL_DIR": str(tmp_path / "spool"),
        "HOTLINE_STORAGE__RECORDINGS_DIR": str(tmp_path / "rec"),
        "HOTLINE_STORAGE__DATABASE_URL": f"sqlite:///{tmp_path}/calls.db",
        "HOTLINE_STORAGE__ASTERISK_ROOT": str(tmp_path / "root")})
    store = CallStore(settings.storage.database_url)
    store.migrate()
    return Bridge(settings, store, Instance.of(settings))


def _raw(bridge: Bridge, linkedid: str, seconds: float, age: float) -> Path:
    raw = bridge.recovery.monitor / "hotline" / f"{linkedid}.raw"
    raw.parent.mkdir(parents=True, exist_ok=True)
    raw.write_bytes(b"\x01\x00\x02\x00" * int(8000 * seconds))
    old = os.stat(raw).st_mtime - age
    os.utime(raw, (old, old))
    return raw


async def test_a_pass_records_each_missed_call_once_and_leaves_live_ones(tmp_path: Path
                                                                         ) -> None:
    bridge = _bridge(tmp_path)
    store = bridge.recovery.store
    ago = time.time() - float(AGENT_CALL[-1]["eventtime"]) - 60  # the calls ended 1 min ago
    calls = {lid: _shifted(AGENT_CALL, lid, ago + n) for n, lid in
             enumerate(["5.1", "6.1", "7.1", "8.1"])}
    Path(bridge.recovery.cel.path).parent.mkdir(parents=True, exist_ok=True)
    _cel_file(bridge.recovery.cel.path, calls)
    store.save(CallRecord("6.1", float(calls["6.1"][0]["eventtime"]), caller="seen live"))
    for lid in calls:
        _raw(bridge, lid, 2, 30)

    done = await bridge.recovery.run(live={"7.1"}, following={"8.1"})
    assert done.records == 1  # 6.1 stored, 7.1 live, 8.1 being written by the tracker
    record = store.get_by_linkedid("5.1")
    assert record is not None and record.source == "reconciled" and record.agent == "1001"
    assert record.recording_path is not None and record.recording_channels == 2
    seen = store.get_by_linkedid("6.1")
    assert seen is not None and seen.caller == "seen live" and seen.source == "live"
    assert seen.recording_path is not None  # its raw file was orphaned: attached now
    assert store.get_by_linkedid("7.1") is None and store.get_by_linkedid("8.1") is None
    assert (bridge.recovery.monitor / "hotline" / "7.1.raw").exists()  # live: not touched

    again = await bridge.recovery.run(live=set(), following={"8.1"})
    assert again.records == 1  # 7.1 has ended since: now it is reconciled, and only it
    _, total = store.search(CallFilter(), 100, 0)
    assert total == 3
    assert bridge.health()["reconciled_records"] == 2


async def test_a_raw_recording_with_no_call_anywhere_gets_a_minimal_record(tmp_path: Path
                                                                           ) -> None:
    bridge = _bridge(tmp_path)
    raw = _raw(bridge, "9.9", 3, 60)
    fresh = _raw(bridge, "9.10", 3, 0)  # still being written, perhaps
    done = await bridge.recovery.run(live=set(), following=set())
    assert (done.records, done.recordings) == (0, 1)
    record = bridge.recovery.store.get_by_linkedid("9.9")
    assert record is not None and record.partial and record.source == "reconciled"
    assert record.recording_duration == 3.0 and not raw.exists()
    assert fresh.exists() and bridge.recovery.store.get_by_linkedid("9.10") is None


def test_the_cel_file_is_never_written(tmp_path: Path) -> None:
    _cel_file(tmp_path / "master.db", {"a": _shifted(AGENT_CALL, "4.1", 0)})
    before = (tmp_path / "master.db").read_bytes()
    log = CelLog(tmp_path / "master.db")
    assert len(log.rows(log.calls_since(0), 0)["4.1"]) == len(AGENT_CALL)
    with log._connect() as con:
        try:
            con.execute("DELETE FROM cel")
            raise AssertionError("a write went through")
        except sqlite3.OperationalError as e:
            assert "readonly" in str(e)
    assert (tmp_path / "master.db").read_bytes() == before


async def test_calls_a_disconnect_interrupted_take_cels_account_when_there_is_one(
        tmp_path: Path) -> None:
    """The tracker followed these calls until the AMI connection dropped; they ended meanwhile.
    Its partial records are kept only where CEL has no complete account."""
    bridge = _bridge(tmp_path)
    ago = time.time() - float(AGENT_CALL[-1]["eventtime"]) - 60
    Path(bridge.recovery.cel.path).parent.mkdir(parents=True, exist_ok=True)
    _cel_file(bridge.recovery.cel.path, {"5.1": _shifted(AGENT_CALL, "5.1", ago)})
    started = float(AGENT_CALL[0]["eventtime"]) + ago
    seen = [CallRecord("5.1", started, caller="13900000998", partial=True),
            CallRecord("6.6", started, caller="13900000666", partial=True)]
    done = await bridge.recovery.run(live=set(), following={"5.1", "6.6"}, interrupted=seen)
    assert done.records == 1
    from_cel = bridge.recovery.store.get_by_linkedid("5.1")
    assert from_cel is not None and not from_cel.partial and from_cel.source == "reconciled"
    assert from_cel.agent == "1001" and from_cel.disposition == "answered"
    kept = bridge.recovery.store.get_by_linkedid("6.6")
    assert kept is not None and kept.partial and kept.source == "live"


async def test_a_call_followed_in_part_is_completed_from_cel(tmp_path: Path) -> None:
    """Adopted mid-way after a bridge restart, the call's record would lack its start (route,
    decider, queue): CEL's complete account is kept; without one, the bridge's own."""
    bridge = _bridge(tmp_path)
    bridge.recovery.grace_complete = 0
    Path(bridge.recovery.cel.path).parent.mkdir(parents=True, exist_ok=True)
    _cel_file(bridge.recovery.cel.path, {"5.1": _shifted(AGENT_CALL, "5.1", 0),
                                          "5.2": _shifted(AGENT_CALL, "5.2", 0)})
    started = float(AGENT_CALL[0]["eventtime"])
    adopted = CallRecord("5.1", started + 2, caller="13900000998", agent="1001", partial=True)
    whole = await bridge.recovery.complete(adopted)
    assert not whole.partial and whole.started_at == started
    assert (whole.route, whole.decided_by) == (Route.AGENT, Decider.FALLBACK)
    assert whole.queued_at is not None and whole.source is RecordSource.RECONCILED
    # CEL logs no hold: the hold the bridge saw after adopting the call is kept (issue 8).
    held = CallRecord("5.2", started + 2, agent="1001", partial=True, hold_seconds=4.5)
    assert (await bridge.recovery.complete(held)).hold_seconds == 4.5
    alone = CallRecord("7.7", started, partial=True)
    assert await bridge.recovery.complete(alone) is alone
