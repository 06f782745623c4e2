"""Nothing lost (issue 13, R11/R12): after every bridge start and AMI (re)login, every call
Asterisk saw that has no record gets one, and every raw recording a crash left behind is
finalised and attached.

- Calls: from Asterisk's CEL (calls/cel.py reads it, calls/reconcile.py builds the record),
  marked `reconciled`. Skipped: calls still live, calls the bridge is following or has just
  kept, calls already stored or waiting in the spool. Saving is idempotent by linkedid anyway,
  so a race with the live tracker cannot make two records of one call.
- Recordings: a raw file in the monitor folder (hotline/<linkedid>.raw) whose call is over is
  finalised into the recordings folder and attached to its record; a raw file whose call left
  no record at all (no CEL either) gets a minimal record, `reconciled` and `partial`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from callrecords.models import Call
from callrecords.record import CallRecord
from callrecords.store import CallStore
from calls.cel import CelError, CelLog
from calls.keeper import CallKeeper
from calls.reconcile import record_from_cel
from domain.status import RecordSource
from metrics import RECORDINGS_RECOVERED, RECORDS

log = logging.getLogger(__name__)

RAW_BYTES_PER_SECOND = 8000 * 2 * 2  # MixMonitor D: 8 kHz, 16-bit, two channels
LONGEST_CALL = 86400.0  # CEL is read from this long before the window: a call that began then


@dataclass
class Recovered:
    """What one pass did."""

    records: int = 0  # calls that got a reconciled record
    recordings: int = 0  # orphaned raw recordings finalised and attached


class Recovery:
    def __init__(self, cel: CelLog, store: CallStore, keeper: CallKeeper, monitor: Path,
                 lookback_seconds: float, grace_seconds: float,
                 clock: Callable[[], float] = time.time) -> None:
        self.cel = cel
        self.store = store
        self.keeper = keeper
        self.monitor = monitor  # MixMonitor's spool: hotline/<linkedid>.raw
        self.lookback = lookback_seconds
        self.grace = grace_seconds
        self.clock = clock
        self.reconciled = 0  # since start, for /health
        self.passes = 0  # completed passes since start
        self.grace_complete = 1.0  # seconds between a call's end on AMI and reading its CEL
        self.recordings_recovered = 0
        self._running = asyncio.Lock()

    async def run(self, live: Collection[str], following: Collection[str],
                  interrupted: Sequence[CallRecord] = ()) -> Recovered:
        """One pass. `live`: linkedids Asterisk says are in progress; `following`: those the
        bridge's tracker follows or has handed to the keeper; `interrupted`: calls the tracker
        followed until the connection was lost and that ended meanwhile (its records are
        partial): CEL's complete account is kept instead when it has one. Raises StoreError
        when the database cannot say what is stored (the caller retries later)."""
        async with self._running:
            done = Recovered()
            fallback = {r.linkedid: r for r in interrupted}
            skip = (set(live) | set(following) | await asyncio.to_thread(self._spooled)) - set(
                fallback)
            done.records = await self._calls(skip, fallback)
            done.recordings = await self._orphans(skip)
            self.passes += 1
            if done.records or done.recordings:
                log.warning("reconciled %d call(s) and %d orphaned recording(s) the bridge "
                            "had not recorded", done.records, done.recordings)
            return done

    async def _calls(self, skip: set[str], fallback: dict[str, CallRecord]) -> int:
        now = self.clock()
        since = now - self.lookback
        try:
            seen = await asyncio.to_thread(self.cel.calls_since, since)
        except CelError as e:
            log.error("cannot read Asterisk's CEL, calls not reconciled: %s", e)
            seen = []
        candidates = {lid for lid in seen if lid not in skip} | set(fallback)
        if not candidates:
            return 0
        missing = candidates - await asyncio.to_thread(self.store.existing_linkedids,
                                                       candidates)
        try:
            calls = await asyncio.to_thread(self.cel.rows, missing, since - LONGEST_CALL)
        except CelError as e:
            log.error("cannot read Asterisk's CEL, calls not reconciled: %s", e)
            calls = {}
        count = 0
        for linkedid in sorted(missing):
            rows = calls.get(linkedid)
            over = rows is not None and (linkedid in fallback or _over(rows, now, self.grace))
            record = record_from_cel(rows) if rows and over else None
            if record is None:
                if linkedid in fallback:
                    await self.keeper.keep(fallback[linkedid])  # what the tracker saw, partial
                continue
            log.warning("call %s ended while the bridge was not listening: record reconciled "
                        "from CEL (route %s, agent %s)", linkedid, record.route, record.agent)
            await self.keeper.keep(record)
            RECORDS.labels("reconciled").inc()
            self.reconciled += 1
            count += 1
        return count

    async def _orphans(self, skip: set[str]) -> int:
        now = self.clock()
        count = 0
        for raw in await asyncio.to_thread(_raw_files, self.monitor / "hotline"):
            linkedid = raw.stem
            try:
                stat = raw.stat()
            except FileNotFoundError:
                continue  # finalised meanwhile
            if linkedid in skip or stat.st_mtime > now - self.grace:
                continue  # its call may still be going on
            call = await asyncio.to_thread(self.store.get_by_linkedid, linkedid)
            if call is not None and call.recording_path is not None:
                continue  # finalised before; the raw file is someone else's business
            if call is None:
                record = _from_raw(linkedid, stat.st_mtime, stat.st_size)
                log.warning("orphaned recording %s with no call anywhere: minimal record", raw)
                await self.keeper.keep(record)
                RECORDS.labels("reconciled").inc()
                self.reconciled += 1
            else:
                log.warning("orphaned recording %s: finalised and attached to call %s", raw,
                            call.id)
                await self.keeper.attach_recording(call.id, _from_stored(call))
            RECORDINGS_RECOVERED.inc()
            self.recordings_recovered += 1
            count += 1
        return count

    async def complete(self, record: CallRecord) -> CallRecord:
        """A call the bridge followed only in part (adopted mid-way after a restart): CEL's
        account of the whole call when it has a complete one (route, decider, queue times,
        every agent), with the hold time the bridge measured, else the bridge's own partial
        record."""
        await asyncio.sleep(self.grace_complete)  # Asterisk logs the end just after it
        try:
            rows = await asyncio.to_thread(self.cel.rows, [record.linkedid],
                                           record.started_at - LONGEST_CALL)
        except CelError as e:
            log.error("cannot read Asterisk's CEL for call %s: %s", record.linkedid, e)
            return record
        whole = record_from_cel(rows.get(record.linkedid, []))
        if whole is None or whole.partial:
            return record
        # CEL logs no hold (issue 8, R9): the holds the bridge saw after adopting the call are
        # all that is known of them, so they are kept.
        whole.hold_seconds = max(whole.hold_seconds, record.hold_seconds)
        log.info("call %s, followed in part, completed from CEL", record.linkedid)
        RECORDS.labels("reconciled").inc()
        self.reconciled += 1
        return whole

    def _spooled(self) -> set[str]:
        try:
            return {r.linkedid for _, r in self.keeper.spool.read().records}
        except OSError:
            return set()


def _over(rows: list[dict[str, object]], now: float, grace: float) -> bool:
    """The call is over: Asterisk logged its end, or (Asterisk died mid-call) nothing has been
    logged for it for `grace` seconds although it is not live."""
    if any(r.get("eventtype") == "LINKEDID_END" for r in rows):
        return True
    try:
        last = float(str(rows[-1].get("eventtime")))
    except (TypeError, ValueError):
        return False
    return last < now - grace


def _raw_files(folder: Path) -> list[Path]:
    try:
        return sorted(folder.glob("*.raw"))
    except OSError:
        return []


def _from_stored(call: Call) -> CallRecord:
    """What the finaliser needs of a stored call (times, agent, the dialplan's file name)."""
    def epoch(value: datetime | None) -> float | None:
        if value is None:
            return None
        # SQLite gives the stored UTC time back without its zone.
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()

    return CallRecord(
        linkedid=call.linkedid, started_at=epoch(call.started_at) or 0.0,
        answered_at=epoch(call.answered_at), agent_answered_at=epoch(call.agent_answered_at),
        agent=call.agent, recording_file=f"hotline/{call.linkedid}.raw")


def _from_raw(linkedid: str, mtime: float, size: int) -> CallRecord:
    """A call known only by its recording: it started when Asterisk answered (the recording
    starts there) and ended when the file was last written."""
    started = mtime - size / RAW_BYTES_PER_SECOND
    return CallRecord(linkedid=linkedid, started_at=started, answered_at=started,
                      ended_at=mtime, hangup_cause="unknown (bridge down)", partial=True,
                      recording_file=f"hotline/{linkedid}.raw",
                      source=RecordSource.RECONCILED)

