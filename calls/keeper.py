"""Keeps every finished call (R11, R12): stores its record, then its recording; when the
database is down the record waits in the spool and is written by the retry loop."""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, Generic, TypeVar

from callrecords.record import CallRecord
from callrecords.store import CallStore, StoreError, recording_values
from calls.spool import Spool
from metrics import CALLS, RECORDS
from recordings.finaliser import RecordingFinaliser

log = logging.getLogger(__name__)
T = TypeVar("T")
Item = TypeVar("Item")
Result = TypeVar("Result")


class WriteBatches(Generic[Item, Result]):
    """Writes that arrive while the writer thread is busy go to the database together, in one
    transaction: at 150 calls ending within seconds, one commit per record and one per
    recording was most of the bridge's CPU after the hangups (issue 9). Nothing waits to fill
    a batch: the first write starts at once and the next batch is what queued meanwhile. A
    batch the database refuses is written again one by one, so one bad record cannot take
    the others down with it (each gets its own error)."""

    def __init__(self, executor: ThreadPoolExecutor,
                 write_many: Callable[[list[Item]], list[Result]], limit: int = 200) -> None:
        self.executor, self.write_many, self.limit = executor, write_many, limit
        self._queue: list[tuple[Item, asyncio.Future[Result]]] = []
        self._drain: asyncio.Task[None] | None = None
        self.batches = self.items = 0  # for the bench's report

    async def write(self, item: Item) -> Result:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Result] = loop.create_future()
        self._queue.append((item, future))
        if self._drain is None or self._drain.done():
            self._drain = loop.create_task(self._write_queued())
        return await future

    async def _write_queued(self) -> None:
        loop = asyncio.get_running_loop()
        while self._queue:
            batch, self._queue = self._queue[:self.limit], self._queue[self.limit:]
            items = [item for item, _ in batch]
            try:
                results = await loop.run_in_executor(self.executor, self.write_many, items)
            except StoreError as e:
                if len(batch) == 1:
                    _settle(batch[0][1], error=e)
                    continue
                for item, future in batch:
                    try:
                        one = await loop.run_in_executor(self.executor, self.write_many, [item])
                        _settle(future, one[0])
                    except Exception as single:
                        _settle(future, error=single)
                continue
            except asyncio.CancelledError:  # at shutdown: nobody waits forever
                for _, future in batch + self._queue:
                    _settle(future, error=StoreError("the bridge is stopping"))
                self._queue = []
                raise
            except Exception as e:  # a bug: each writer raises it (and its task logs it)
                for _, future in batch:
                    _settle(future, error=e)
                continue
            self.batches += 1
            self.items += len(batch)
            for (_, future), result in zip(batch, results, strict=True):
                _settle(future, result)


def _settle(future: asyncio.Future[Any], result: Any = None,
            error: BaseException | None = None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class CallKeeper:
    def __init__(self, store: CallStore, spool: Spool, finaliser: RecordingFinaliser,
                 retry_seconds: float = 5.0, min_free_mb: int = 0) -> None:
        self.store = store
        self.spool = spool
        self.finaliser = finaliser
        self.retry_seconds = retry_seconds
        self.min_free_mb = min_free_mb
        self.records_written = 0
        self._flushing = asyncio.Lock()
        # The store's writes have a thread of their own: on the shared pool they queued behind
        # recordings being converted and analysed, and at 150 calls ending together a record
        # reached the API 4-7 s after the hangup (issue 9's load bench).
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="call-records")
        self._saves: WriteBatches[CallRecord, int] = WriteBatches(self._writer, self._save_many)
        self._recordings: WriteBatches[tuple[int, dict[str, Any]], None] = WriteBatches(
            self._writer, self._update_many)

    def _save_many(self, records: list[CallRecord]) -> list[int]:
        return self.store.save_many(records)

    def _update_many(self, changes: list[tuple[int, dict[str, Any]]]) -> list[None]:
        self.store.update_many(changes)
        return [None] * len(changes)

    async def _write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer, partial(fn, *args, **kwargs))

    async def keep(self, record: CallRecord) -> bool:
        """Stores the record and its recording; spools it if the database is down. True when
        it reached the database."""
        CALLS.labels(record.route or "", record.disposition, record.decided_by or "").inc()
        try:
            call_id = await self._saves.write(record)
        except StoreError as e:
            log.error("database unavailable, call %s spooled: %s", record.linkedid, e)
            try:
                await asyncio.to_thread(self.spool.append, record)
            except OSError as spool_error:
                # Nothing else can hold it: say so as loudly as we can.
                log.critical("call %s LOST: database down and spool unwritable: %s",
                             record.linkedid, spool_error)
                RECORDS.labels("lost").inc()
                return False
            RECORDS.labels("spooled").inc()
            return False
        self.records_written += 1
        RECORDS.labels("written").inc()
        await self._attach_recording(call_id, record)
        return True

    async def attach_recording(self, call_id: int, record: CallRecord) -> None:
        """Finalises the record's recording and stores the outcome on call `call_id` (also for
        a recording a crash left behind, calls/recovery.py)."""
        await self._attach_recording(call_id, record)

    async def _attach_recording(self, call_id: int, record: CallRecord) -> None:
        outcome = await self.finaliser.finalise(record)
        if outcome is None:
            return
        try:
            await self._recordings.write((call_id, recording_values(
                path=outcome.path, duration=outcome.duration_seconds, channels=outcome.channels,
                sha256=outcome.sha256, qa_flags=outcome.qa_flags, error=outcome.error)))
        except StoreError as e:
            log.error("could not attach the recording to call %s: %s", record.linkedid, e)

    def pending(self) -> int:
        return self.spool.pending()

    def health(self) -> dict[str, Any]:
        """Can records and recordings be kept right now? Booleans say up/down (any False makes
        /health 503), numbers inform."""
        recordings = self.finaliser.recordings
        free_mb = _free_mb(recordings)
        return {
            "spool_writable": _writable(self.spool.path.parent),
            "recordings_writable": _writable(recordings) and free_mb >= self.min_free_mb,
            "recordings_free_mb": free_mb,
            "pending_records": self.spool.pending(),
            "quarantined_records": self.spool.quarantined(),
            "recording_failures": self.finaliser.failures,
        }

    async def flush_spool(self) -> int:
        """Writes spooled records in order; stops at the first database failure and keeps
        what is left. Returns how many were written."""
        async with self._flushing:
            batch = await asyncio.to_thread(self.spool.read)
            written: set[int] = set()
            try:
                for index, record in batch.records:
                    try:
                        call_id = await self._write(self.store.save, record)
                    except StoreError as e:
                        log.warning("database still unavailable, %d record(s) stay spooled: %s",
                                    len(batch.records) - len(written), e)
                        break
                    written.add(index)
                    self.records_written += 1
                    RECORDS.labels("written").inc()
                    await self._attach_recording(call_id, record)
            finally:
                # Also on cancellation (stop): what was committed leaves the spool, the rest
                # stays. Synchronous on purpose: a cancelled task must not await here.
                self.spool.settle(batch, written)
            if written:
                log.info("%d spooled call record(s) written", len(written))
            return len(written)

    async def retry_forever(self) -> None:
        """The retry loop: any failure is logged and the loop goes on."""
        while True:
            try:
                await self.flush_spool()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("could not flush the spool %s; retrying in %.0f s",
                              self.spool.path, self.retry_seconds)
            await asyncio.sleep(self.retry_seconds)


def _writable(folder: Path) -> bool:
    """A file can be created, written and removed there (a read-only mount, an immutable folder
    or a full disk says no)."""
    probe = folder / ".hotline-health-probe"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with probe.open("wb") as f:
            f.write(b"ok")
        probe.unlink()
        return True
    except OSError:
        return False


def _free_mb(folder: Path) -> int:
    for candidate in (folder, *folder.parents):
        try:
            return shutil.disk_usage(candidate).free // (1024 * 1024)
        except OSError:
            continue
    return 0
