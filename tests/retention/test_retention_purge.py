"""The retention purge (issue 13 item 6, R26) on a temporary SQLite store with real WAV files
and a ManualClock: what expired goes, what an open ticket or a draft QA review holds stays,
every purge is in the access log, the daily job runs once a day at purge_at, and
`hotline purge [--dry-run]` through the real CLI."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from audit.models import AuditEntry
from audit.store import Access, AuditFilter, AuditLog
from callrecords.models import CallLeg
from callrecords.record import CallRecord, Leg
from callrecords.store import CallStore
from calls.cel import COLUMNS
from domain.clock import ManualClock
from domain.retention import RetentionKind, reconcile_lookback
from domain.status import Disposition, ReviewStatus, TicketStatus
from hotline.cli import app
from hotline.retention import ACTION, PurgeJob, Purger
from qa.models import QaReview
from settings import Settings, load_settings
from tickets.models import Ticket

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 7, 3, 30, tzinfo=SH)


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


@dataclass
class World:
    store: CallStore
    recordings: Path
    settings: Settings
    calls: dict[str, int]  # name -> call id
    tickets: dict[str, int]
    env: dict[str, str]

    def purger(self, channel_events: Path | None = None) -> Purger:
        return Purger(self.store, self.recordings, self.settings.retention, channel_events)

    def wav(self, name: str) -> Path:
        return self.recordings / "2026" / f"{name}.wav"

    def audit_entries(self) -> list[AuditEntry]:
        rows, _ = AuditLog(self.store.sessions).search(AuditFilter(action=ACTION), 100, 0)
        return list(rows)


def _settings(tmp_path: Path, database_url: str | None = None, **retention: Any
              ) -> tuple[Settings, dict[str, str]]:
    env = {"HOTLINE_STORAGE__DATABASE_URL": database_url or f"sqlite:///{tmp_path}/t.db",
           "HOTLINE_STORAGE__RECORDINGS_DIR": str(tmp_path / "recordings"),
           **{f"HOTLINE_RETENTION__{k.upper()}": str(v) for k, v in retention.items()}}
    return load_settings(environ=env), env


def _call(store: CallStore, recordings: Path, name: str, age_days: float) -> int:
    started = days_ago(age_days).timestamp()
    call_id = store.save(CallRecord(
        name, started, caller="13800000001", disposition=Disposition.ANSWERED,
        ended_at=started + 60,
        legs=[Leg(f"{name}.1", "PJSIP/trunk-1", started, "13800000001", started, started + 60,
                  16, "Normal Clearing")]))
    wav = recordings / "2026" / f"{name}.wav"
    wav.parent.mkdir(parents=True, exist_ok=True)
    wav.write_bytes(b"RIFF....WAVE")
    store.update(call_id, recording_path=f"2026/{name}.wav")
    return call_id


def _ticket(store: CallStore, status: TicketStatus, age_days: float, call_ids: list[int],
            voicemail: str | None = None) -> int:
    with store.sessions.begin() as s:
        t = Ticket(channel="phone", status=status.value, accepted_at=days_ago(age_days),
                   created_by="admin/test", call_ids=call_ids, events=[], flags={},
                   voicemail_path=voicemail)
        s.add(t)
        s.flush()
        return t.id


def _review(store: CallStore, call_id: int, status: ReviewStatus) -> None:
    with store.sessions.begin() as s:
        s.add(QaReview(call_id=call_id, agent="1001", month="2026-01", form_id="r23",
                       status=status.value, items=[], total=100, max_total=100,
                       created_at=NOW))


def build(tmp_path: Path, database_url: str | None = None, **retention: Any) -> World:
    settings, env = _settings(tmp_path, database_url, **retention)
    store = CallStore(settings.storage.database_url)
    store.migrate()
    recordings = Path(settings.storage.recordings_dir)
    calls = {name: _call(store, recordings, name, age) for name, age in [
        ("old", 400), ("old_open_ticket", 400), ("old_draft_review", 400),
        ("old_confirmed_review", 400), ("old_closed_ticket", 400), ("middle", 100),
        ("recent", 5)]}
    vm = recordings / "2026" / "vm.wav"
    vm.write_bytes(b"RIFF")
    tickets = {
        "open_old": _ticket(store, TicketStatus.RESOLVED, 500, [calls["old_open_ticket"]]),
        "closed_old": _ticket(store, TicketStatus.CLOSED, 500, [calls["old_closed_ticket"]],
                              voicemail="2026/vm.wav"),
        "closed_recent": _ticket(store, TicketStatus.CLOSED, 10, []),
    }
    _review(store, calls["old_draft_review"], ReviewStatus.DRAFT)
    _review(store, calls["old_confirmed_review"], ReviewStatus.CONFIRMED)
    log = AuditLog(store.sessions)
    for age in (200, 100, 1):
        log.record(Access("recording.fetch", "call:1", 200), at=days_ago(age))
    return World(store, recordings, settings, calls, tickets, env)


def test_nothing_is_purged_by_default(tmp_path: Path) -> None:
    world = build(tmp_path)
    assert not world.purger().enabled
    assert PurgeJob(world.purger(), ManualClock(NOW), SH).tick() is None
    assert all(world.wav(n).exists() for n in world.calls)


def test_expired_recordings_go_and_held_ones_stay(tmp_path: Path) -> None:
    world = build(tmp_path, recordings=90)
    done = world.purger().apply(world.purger().plan(NOW))
    c = world.calls
    gone = sorted([c["old"], c["old_confirmed_review"], c["old_closed_ticket"], c["middle"]])
    assert done.ids[RetentionKind.RECORDINGS] == gone
    for name, call_id in c.items():
        call = world.store.get(call_id)
        assert call is not None  # the records stay
        expect_gone = call_id in gone
        assert world.wav(name).exists() is not expect_gone, name
        assert (call.recording_path is None) is expect_gone, name
        if expect_gone:
            assert call.recording_error is not None and "retention" in call.recording_error
    # The open ticket's and the draft review's recordings stay, and the log says why.
    assert done.held == {"open_ticket": [c["old_open_ticket"]],
                         "draft_review": [c["old_draft_review"]]}
    [entry] = world.audit_entries()
    assert entry.detail["removed"] == {"recordings": 4, "call_records": 0, "tickets": 0,
                                       "audit": 0, "channel_events": 0}
    assert entry.detail["ids"]["recordings"] == gone
    assert entry.client == "service" and entry.status == 200


def test_expired_call_records_go_with_their_recordings_and_legs(tmp_path: Path) -> None:
    world = build(tmp_path, call_records=365)
    done = world.purger().apply(world.purger().plan(NOW))
    c = world.calls
    gone = sorted([c["old"], c["old_confirmed_review"], c["old_closed_ticket"]])
    assert done.ids[RetentionKind.CALL_RECORDS] == gone
    for name in ("old", "old_confirmed_review", "old_closed_ticket"):
        assert world.store.get(c[name]) is None and not world.wav(name).exists()
    for name in ("old_open_ticket", "old_draft_review", "middle", "recent"):
        assert world.store.get(c[name]) is not None and world.wav(name).exists()
    with world.store.sessions() as s:
        legs = set(s.scalars(select(CallLeg.call_id)).all())
    assert legs == {c[n] for n in ("old_open_ticket", "old_draft_review", "middle", "recent")}


def test_only_closed_tickets_expire(tmp_path: Path) -> None:
    world = build(tmp_path, tickets=365)
    done = world.purger().apply(world.purger().plan(NOW))
    assert done.ids[RetentionKind.TICKETS] == [world.tickets["closed_old"]]
    with world.store.sessions() as s:
        left = set(s.scalars(select(Ticket.id)).all())
    assert left == {world.tickets["open_old"], world.tickets["closed_recent"]}
    assert not (world.recordings / "2026" / "vm.wav").exists()  # its voicemail message
    assert all(world.wav(n).exists() for n in world.calls)  # no recording goes with a ticket


def test_old_access_log_entries_go_and_the_purge_is_logged(tmp_path: Path) -> None:
    world = build(tmp_path, audit=150)
    done = world.purger().apply(world.purger().plan(NOW))
    assert len(done.ids[RetentionKind.AUDIT]) == 1
    rows, total = AuditLog(world.store.sessions).search(AuditFilter(), 100, 0)
    assert total == 3  # the 100- and 1-day-old fetches, and the purge's own entry
    assert rows[0].action == ACTION
    assert rows[0].detail["ids"]["audit"] == done.ids[RetentionKind.AUDIT]


def test_dry_run_plan_removes_nothing(tmp_path: Path) -> None:
    world = build(tmp_path, recordings=1, call_records=1, tickets=1, audit=1)
    plan = world.purger().plan(NOW)
    assert plan.counts == {"recordings": 0, "call_records": 5, "tickets": 2, "audit": 2,
                           "channel_events": 0}
    assert all(world.wav(n).exists() for n in world.calls)
    assert world.audit_entries() == []


def test_the_daily_job_runs_once_a_day_at_purge_at(tmp_path: Path) -> None:
    world = build(tmp_path, recordings=90, purge_at="03:30")
    clock = ManualClock(NOW - timedelta(minutes=1))  # 03:29
    job = PurgeJob(world.purger(), clock, SH)
    assert job.tick() is None
    clock.advance(minutes=1)  # 03:30
    first = job.tick()
    assert first is not None and first.counts["recordings"] == 4
    clock.advance(hours=20)  # 23:30 the same day
    assert job.tick() is None
    # A restarted service does not purge twice the same day: the access log remembers.
    assert PurgeJob(world.purger(), clock, SH).tick() is None
    clock.advance(hours=4)  # 03:30 next day
    second = job.tick()
    assert second is not None and second.counts["recordings"] == 0
    assert len(world.audit_entries()) == 2


def test_a_service_down_at_purge_at_catches_up(tmp_path: Path) -> None:
    world = build(tmp_path, recordings=90)
    clock = ManualClock(NOW + timedelta(hours=6))  # started at 09:30
    assert PurgeJob(world.purger(), clock, SH).tick() is not None


def test_purge_at_is_checked(tmp_path: Path) -> None:
    from settings import ConfigError
    with pytest.raises(ConfigError, match=r"retention\.purge_at"):
        _settings(tmp_path, purge_at="25:00")
    with pytest.raises(ConfigError, match=r"retention\.recordings"):
        _settings(tmp_path, recordings=-1)


def test_hotline_purge_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    world = build(tmp_path, recordings=1)  # the CLI reads the real clock: all are older
    for key, value in world.env.items():
        monkeypatch.setenv(key, value)
    runner = CliRunner()
    dry = runner.invoke(app, ["purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "dry run, nothing removed" in dry.stdout
    assert re.search(r"^recordings +1 days", dry.stdout, re.M) and ": 5 (calls " in dry.stdout
    assert "kept, open ticket: 1 calls" in dry.stdout
    assert all(world.wav(n).exists() for n in world.calls)
    real = runner.invoke(app, ["purge"])
    assert real.exit_code == 0, real.output
    assert real.stdout.startswith("removed:")
    assert sum(world.wav(n).exists() for n in world.calls) == 2
    [entry] = world.audit_entries()
    assert entry.client == "cli" and entry.detail["removed"]["recordings"] == 5
    assert entry.detail["by"]
    assert entry.at.replace(tzinfo=entry.at.tzinfo or UTC) > NOW - timedelta(days=1)


def test_hotline_purge_with_nothing_configured(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    _, env = _settings(tmp_path)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(app, ["purge", "--dry-run"])
    assert result.exit_code == 0 and "kept forever" in result.stdout


# -- Asterisk's channel event log (R26: callers' numbers go with the policy) ------------------
def _channel_events(path: Path, ages_days: list[float]) -> None:
    """A CEL file as cel_sqlite3_custom writes it (dialplan/cel_sqlite3_custom.conf.j2): one
    row per event, eventtime in epoch seconds, the caller's number in cid_num."""
    con = sqlite3.connect(path)
    con.execute(f"CREATE TABLE cel (AcctId INTEGER PRIMARY KEY, {', '.join(COLUMNS[1:])})")
    for age in sorted(ages_days, reverse=True):  # appended in time order, as Asterisk does
        con.execute("INSERT INTO cel (eventtype, eventtime, cid_num, linkedid) "
                    "VALUES ('CHAN_START', ?, '13800000001', ?)",
                    (f"{days_ago(age).timestamp():.6f}", f"{age}"))
    con.commit()
    con.close()


def _event_ages(path: Path) -> list[float]:
    con = sqlite3.connect(path)
    try:
        return sorted(float(r[0]) for r in con.execute("SELECT linkedid FROM cel"))
    finally:
        con.close()


def test_channel_events_older_than_the_policy_go(tmp_path: Path) -> None:
    world = build(tmp_path, channel_events=100)
    cel = tmp_path / "master.db"
    _channel_events(cel, [400, 200, 150, 100.5, 99.5, 5, 0.1])
    plan = world.purger(cel).plan(NOW)
    assert plan.counts["channel_events"] == 4
    assert _event_ages(cel) == [0.1, 5, 99.5, 100.5, 150, 200, 400]  # a plan removes nothing
    done = world.purger(cel).apply(plan)
    assert done.counts["channel_events"] == 4
    assert _event_ages(cel) == [0.1, 5, 99.5]
    [entry] = world.audit_entries()
    assert entry.detail["removed"]["channel_events"] == 4
    assert entry.detail["cutoffs"]["channel_events"] is not None
    assert all(world.wav(n).exists() for n in world.calls)  # nothing else was configured


def test_channel_events_left_at_0_go_with_the_call_records(tmp_path: Path) -> None:
    world = build(tmp_path, call_records=365)
    cel = tmp_path / "master.db"
    _channel_events(cel, [500, 400, 300, 1])
    done = world.purger(cel).apply(world.purger(cel).plan(NOW))
    assert done.counts["channel_events"] == 2 and _event_ages(cel) == [1, 300]
    assert done.counts["call_records"] == 3


def test_every_channel_event_older_is_removed_in_batches(tmp_path: Path) -> None:
    world = build(tmp_path, channel_events=30)
    cel = tmp_path / "master.db"
    _channel_events(cel, [40 + i / 1000 for i in range(12_001)])  # > two prune batches
    done = world.purger(cel).apply(world.purger(cel).plan(NOW))
    assert done.counts["channel_events"] == 12_001 and _event_ages(cel) == []
    missing = world.purger(tmp_path / "none.db")  # Asterisk has logged nothing yet
    assert missing.apply(missing.plan(NOW)).counts["channel_events"] == 0


def test_channel_events_must_outlive_the_reconcile_lookback(tmp_path: Path) -> None:
    from settings import ConfigError
    with pytest.raises(ConfigError, match=r"retention\.channel_events"):
        _settings(tmp_path, channel_events=2)  # 48 h < the 72 h lookback
    assert _settings(tmp_path, channel_events=3)[0].retention.channel_events == 3


def test_the_reconcile_pass_never_rebuilds_a_purged_call() -> None:
    assert reconcile_lookback(72 * 3600, 0) == 72 * 3600  # records kept forever
    assert reconcile_lookback(72 * 3600, 1) == 86400  # a day's records: a day back
    assert reconcile_lookback(72 * 3600, 30) == 72 * 3600
