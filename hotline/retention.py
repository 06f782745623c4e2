"""The retention purge (issue 13 item 6, R26): what `[retention]` says has expired is removed
once a day by the service (PurgeJob, on the one clock) or by `hotline purge`, and what was
removed (counts and ids) goes to the access log as one `retention.purge` entry.

It lives here, beside the wiring, because it is the one job that reads every feature's
tables (calls, tickets, QA reviews, the access log): a feature may not import another.

Never removed, whatever their age: the recording and the record of a call linked to a ticket
that is not closed, or to an unconfirmed (draft) QA review. A ticket is removed only once
closed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from audit.models import AuditEntry
from audit.store import Access, AuditFilter, AuditLog
from callrecords.models import Call, CallAgent, CallLeg
from callrecords.store import CallStore
from calls.cel import CelError, first_kept, prune
from domain.clock import Clock
from domain.retention import RetentionKind, channel_events_days, cutoff, purge_due
from domain.status import ReviewStatus, TicketStatus
from jobs.periodic import PeriodicJob
from qa.models import QaReview
from settings.schema import Retention
from tickets.models import BreachNotice, Ticket

log = logging.getLogger("hotline.retention")

ACTION = "retention.purge"
IDS_LOGGED = 10_000  # ids per kind in the audit entry; the counts are always whole
_BATCH = 500  # ids per statement (SQLite's parameter limit)


@dataclass
class PurgePlan:
    """What expired at `now`, by kind (ids: calls for recordings and call records, tickets,
    access log entries), and which calls are held back and why."""

    now: datetime
    cutoffs: dict[RetentionKind, datetime | None]
    ids: dict[RetentionKind, list[int]] = field(default_factory=dict)
    held: dict[str, list[int]] = field(default_factory=dict)  # reason -> call ids
    # Asterisk's channel events go by row range, not by id list (a call has ~20 rows):
    # the rows before AcctId `events_upto`, `events` of them
    events_upto: int = 0
    events: int = 0

    @property
    def counts(self) -> dict[str, int]:
        return {kind.value: (self.events if kind == RetentionKind.CHANNEL_EVENTS
                             else len(self.ids.get(kind, []))) for kind in RetentionKind}

    def detail(self) -> dict[str, Any]:
        """The access log's record of this purge."""
        out: dict[str, Any] = {
            "cutoffs": {k.value: (c.isoformat() if c else None) for k, c in self.cutoffs.items()},
            "removed": self.counts, "held": {k: v[:IDS_LOGGED] for k, v in self.held.items()},
            "ids": {k.value: v[:IDS_LOGGED] for k, v in self.ids.items()}}
        if any(len(v) > IDS_LOGGED for v in self.ids.values()):
            out["ids_truncated"] = True
        return out


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _BATCH):
        yield ids[start:start + _BATCH]


class Purger:
    def __init__(self, store: CallStore, recordings_dir: Path, policy: Retention,
                 channel_events: Path | None = None) -> None:
        self.sessions = store.sessions
        self.recordings = recordings_dir.resolve()
        self.policy = policy
        self.channel_events = channel_events  # the instance's CEL file (log/master.db)
        self.audit = AuditLog(store.sessions)

    def days(self, kind: RetentionKind) -> int:
        if kind == RetentionKind.CHANNEL_EVENTS:
            return channel_events_days(self.policy.channel_events, self.policy.call_records)
        return int(getattr(self.policy, kind.value))

    @property
    def enabled(self) -> bool:
        return any(self.days(k) > 0 for k in RetentionKind)

    def plan(self, now: datetime) -> PurgePlan:
        cutoffs = {k: cutoff(now, self.days(k)) for k in RetentionKind}
        plan = PurgePlan(now, cutoffs)
        with self.sessions() as s:
            held = self._held(s, plan)
            expired_calls = self._calls_before(s, cutoffs[RetentionKind.CALL_RECORDS], held)
            plan.ids[RetentionKind.CALL_RECORDS] = expired_calls
            gone = set(expired_calls)
            with_recording = self._calls_before(s, cutoffs[RetentionKind.RECORDINGS], held,
                                                recorded=True)
            plan.ids[RetentionKind.RECORDINGS] = [i for i in with_recording if i not in gone]
            plan.ids[RetentionKind.TICKETS] = self._tickets_before(
                s, cutoffs[RetentionKind.TICKETS])
            plan.ids[RetentionKind.AUDIT] = self._audit_before(s, cutoffs[RetentionKind.AUDIT])
        events_before = cutoffs[RetentionKind.CHANNEL_EVENTS]
        if events_before is not None and self.channel_events is not None:
            plan.events_upto, plan.events = first_kept(self.channel_events,
                                                       events_before.timestamp())
        return plan

    def _held(self, s: Session, plan: PurgePlan) -> set[int]:
        """Calls that stay whatever their age: linked to an open ticket or a draft review."""
        if plan.cutoffs[RetentionKind.RECORDINGS] is None and \
                plan.cutoffs[RetentionKind.CALL_RECORDS] is None:
            return set()
        open_tickets = s.scalars(select(Ticket.call_ids).where(
            Ticket.status != TicketStatus.CLOSED.value)).all()
        by_ticket = sorted({int(i) for ids in open_tickets for i in ids or []})
        by_review = sorted(set(s.scalars(select(QaReview.call_id).where(
            QaReview.status == ReviewStatus.DRAFT.value)).all()))
        plan.held = {"open_ticket": by_ticket, "draft_review": by_review}
        return set(by_ticket) | set(by_review)

    @staticmethod
    def _calls_before(s: Session, before: datetime | None, held: set[int],
                      recorded: bool = False) -> list[int]:
        if before is None:
            return []
        query = select(Call.id).where(Call.started_at < before.astimezone(UTC))
        if recorded:
            query = query.where(Call.recording_path.is_not(None))
        return [i for i in s.scalars(query.order_by(Call.id)).all() if i not in held]

    @staticmethod
    def _tickets_before(s: Session, before: datetime | None) -> list[int]:
        if before is None:
            return []
        return list(s.scalars(select(Ticket.id).where(
            Ticket.status == TicketStatus.CLOSED.value,
            Ticket.accepted_at < before.astimezone(UTC)).order_by(Ticket.id)).all())

    @staticmethod
    def _audit_before(s: Session, before: datetime | None) -> list[int]:
        if before is None:
            return []
        return list(s.scalars(select(AuditEntry.id).where(
            AuditEntry.at < before.astimezone(UTC)).order_by(AuditEntry.id)).all())

    def _unlink(self, relative: str | None) -> bool:
        """Removes one file under the recordings folder; False if it could not be (it then
        stays referenced, and the next purge tries again). A path leaving the folder is never
        touched."""
        if not relative:
            return True
        path = (self.recordings / relative).resolve()
        if not path.is_relative_to(self.recordings):
            log.error("retention: %r leaves %s; not removed", relative, self.recordings)
            return False
        try:
            path.unlink(missing_ok=True)
            return True
        except OSError as e:
            log.error("retention: %s could not be removed: %s", path, e)
            return False

    def apply(self, plan: PurgePlan, client: str = "service", by: str | None = None) -> PurgePlan:
        """Removes what the plan lists (files first, then rows, so a row never points at a
        file that is still there unreferenced) and logs it; returns what was removed."""
        done = PurgePlan(plan.now, plan.cutoffs, held=plan.held)
        done.ids[RetentionKind.RECORDINGS] = self._purge_recordings(
            plan.ids.get(RetentionKind.RECORDINGS, []))
        done.ids[RetentionKind.CALL_RECORDS] = self._purge_calls(
            plan.ids.get(RetentionKind.CALL_RECORDS, []))
        done.ids[RetentionKind.TICKETS] = self._purge_tickets(
            plan.ids.get(RetentionKind.TICKETS, []))
        audit_ids = plan.ids.get(RetentionKind.AUDIT, [])
        with self.sessions.begin() as s:
            for chunk in _chunks(audit_ids):
                s.execute(delete(AuditEntry).where(AuditEntry.id.in_(chunk)))
        done.ids[RetentionKind.AUDIT] = list(audit_ids)
        done.events_upto = plan.events_upto
        done.events = self._purge_channel_events(plan)
        detail = {**done.detail(), **({"by": by} if by else {})}
        self.audit.record(Access(ACTION, "retention", 200, client=client, detail=detail),
                          at=plan.now)
        log.info("retention purge: removed %s", done.counts)
        return done

    def _purge_channel_events(self, plan: PurgePlan) -> int:
        if not plan.events or self.channel_events is None:
            return 0
        try:
            return prune(self.channel_events, plan.events_upto)
        except CelError as e:  # Asterisk held the file too long: the next purge goes on
            log.error("retention: channel events could not be pruned: %s", e)
            return 0

    def _paths(self, model: type[Call] | type[Ticket], column: Any, ids: Sequence[int]
               ) -> dict[int, str | None]:
        out: dict[int, str | None] = {}
        with self.sessions() as s:
            for chunk in _chunks(ids):
                rows = s.execute(select(model.id, column).where(model.id.in_(chunk))).all()
                out.update((int(row[0]), row[1]) for row in rows)
        return out

    def _purge_recordings(self, call_ids: Sequence[int]) -> list[int]:
        paths = self._paths(Call, Call.recording_path, call_ids)
        removed = [i for i, p in paths.items() if self._unlink(p)]
        note = "removed by the retention policy ([retention] recordings)"
        with self.sessions.begin() as s:
            for chunk in _chunks(removed):
                s.execute(update(Call).where(Call.id.in_(chunk)).values(
                    recording_path=None, recording_error=note))
        return sorted(removed)

    def _purge_calls(self, call_ids: Sequence[int]) -> list[int]:
        paths = self._paths(Call, Call.recording_path, call_ids)
        removed = [i for i, p in paths.items() if self._unlink(p)]
        with self.sessions.begin() as s:
            for chunk in _chunks(removed):
                s.execute(delete(CallLeg).where(CallLeg.call_id.in_(chunk)))
                s.execute(delete(CallAgent).where(CallAgent.call_id.in_(chunk)))
                s.execute(delete(Call).where(Call.id.in_(chunk)))
        return sorted(removed)

    def _purge_tickets(self, ticket_ids: Sequence[int]) -> list[int]:
        paths = self._paths(Ticket, Ticket.voicemail_path, ticket_ids)
        removed = [i for i, p in paths.items() if self._unlink(p)]
        with self.sessions.begin() as s:
            for chunk in _chunks(removed):
                s.execute(delete(BreachNotice).where(BreachNotice.ticket_id.in_(chunk)))
                s.execute(delete(Ticket).where(Ticket.id.in_(chunk)))
        return sorted(removed)

    def last_run(self, tz: tzinfo) -> date | None:
        """The company day of the last purge, from the access log (survives restarts)."""
        rows, _ = self.audit.search(AuditFilter(action=ACTION), 1, 0)
        if not rows:
            return None
        at = rows[0].at if rows[0].at.tzinfo else rows[0].at.replace(tzinfo=UTC)
        return at.astimezone(tz).date()


class PurgeJob:
    """Runs the purge once a day at `[retention] purge_at` (company time, the one clock).
    `tick()` does one check; `start()` runs it every `interval` seconds."""

    def __init__(self, purger: Purger, clock: Clock, tz: tzinfo, interval: float = 60) -> None:
        self.purger, self.clock, self.tz, self.interval = purger, clock, tz, interval
        hour, minute = purger.policy.purge_at.split(":")
        self.at = time(int(hour), int(minute))
        self._last: date | None = None
        self._loaded = False
        self._job = PeriodicJob("retention-purge", lambda: asyncio.to_thread(self.tick),
                                interval, "the retention purge failed")

    def tick(self) -> PurgePlan | None:
        """What was removed now, or None when no purge was due."""
        if not self.purger.enabled:
            return None
        if not self._loaded:
            self._last, self._loaded = self.purger.last_run(self.tz), True
        now = self.clock()
        if not purge_due(now.astimezone(self.tz), self.at, self._last):
            return None
        done = self.purger.apply(self.purger.plan(now))
        self._last = now.astimezone(self.tz).date()
        return done

    def start(self) -> None:
        self._job.start()

    async def stop(self) -> None:
        await self._job.stop()
