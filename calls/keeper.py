"""Keeps every finished call (R11, R12): stores its record, then its recording; when the
database is down the record waits in the spool and is written by the retry loop."""

from __future__ import annotations

import asyncio
import logging

from callrecords.record import CallRecord
from callrecords.store import CallStore, StoreError
from calls.spool import Spool
from recordings.finaliser import RecordingFinaliser

log = logging.getLogger(__name__)


class CallKeeper:
    def __init__(self, store: CallStore, spool: Spool, finaliser: RecordingFinaliser,
                 retry_seconds: float = 5.0) -> None:
        self.store = store
        self.spool = spool
        self.finaliser = finaliser
        self.retry_seconds = retry_seconds
        self.records_written = 0
        self._flushing = asyncio.Lock()

    async def keep(self, record: CallRecord) -> bool:
        """Stores the record and its recording; spools it if the database is down. True when
        it reached the database."""
        try:
            call_id = await asyncio.to_thread(self.store.save, record)
        except StoreError as e:
            log.error("database unavailable, call %s spooled: %s", record.linkedid, e)
            try:
                await asyncio.to_thread(self.spool.append, record)
            except OSError as spool_error:
                # Nothing else can hold it: say so as loudly as we can.
                log.critical("call %s LOST: database down and spool unwritable: %s",
                             record.linkedid, spool_error)
            return False
        self.records_written += 1
        await self._attach_recording(call_id, record)
        return True

    async def _attach_recording(self, call_id: int, record: CallRecord) -> None:
        outcome = await self.finaliser.finalise(record)
        if outcome is None:
            return
        try:
            await asyncio.to_thread(
                self.store.set_recording, call_id, path=outcome.path,
                duration=outcome.duration_seconds, channels=outcome.channels,
                sha256=outcome.sha256, qa_flags=outcome.qa_flags, error=outcome.error)
        except StoreError as e:
            log.error("could not attach the recording to call %s: %s", record.linkedid, e)

    def pending(self) -> int:
        return self.spool.pending()

    async def flush_spool(self) -> int:
        """Writes spooled records in order; stops at the first database failure and keeps
        what is left. Returns how many were written."""
        async with self._flushing:
            batch = await asyncio.to_thread(self.spool.read)
            written: set[int] = set()
            try:
                for index, record in batch.records:
                    try:
                        call_id = await asyncio.to_thread(self.store.save, record)
                    except StoreError as e:
                        log.warning("database still unavailable, %d record(s) stay spooled: %s",
                                    len(batch.records) - len(written), e)
                        break
                    written.add(index)
                    self.records_written += 1
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
