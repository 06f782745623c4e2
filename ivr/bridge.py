"""The bridge's wiring: the FastAGI routing server, the AMI call tracker, and what happens when a
call ends (store its record, finalise its recording, measure QA flags). Nothing is lost when the
database is down: finished records wait in a spool file and are retried."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import soundfile as sf

from callrecords.store import CallStore, StoreError
from ivr.agi_server import Clock, RoutingServer, system_clock
from ivr.ami import AmiClient, AmiError
from ivr.callflow import CallRecord, CallTracker, record_from_dict, record_to_dict
from ivr.policy import policy_from_settings
from pbx.layout import Instance
from recordings.analysis import AnalysisConfig, analyze_for_call
from recordings.storage import RecordingError, finalize, relative_target, wait_complete
from settings import Settings

log = logging.getLogger(__name__)

RETRY_SECONDS = 5.0


class Bridge:
    def __init__(self, settings: Settings, store: CallStore, instance: Instance,
                 clock: Clock = system_clock) -> None:
        self.settings = settings
        self.store = store
        self.instance = instance
        self.tracker = CallTracker()
        self.analysis = AnalysisConfig.from_mapping(settings.analysis.model_dump())
        self.routing = RoutingServer(
            policy_from_settings(settings, f"{instance.inner}/prompts"), clock)
        self.ami = AmiClient(settings)
        self.recordings = Path(settings.storage.recordings_dir).resolve()
        self.spool = Path(settings.storage.spool_dir).resolve() / "pending-calls.jsonl"
        self.zone = ZoneInfo(settings.company.timezone)
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.records_written = 0

    async def start(self) -> None:
        host, _, port = self.settings.agi.bind.rpartition(":")
        self._server = await self.routing.start(host, int(port))
        self.ami.register_event("*", self._on_event)
        self.ami.add_login_callback(self._resync)
        self.ami.connect()
        await self.ami.wait_login(timeout=10)
        self._spawn(self._retry_pending(), name="retry")

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        # Records being written finish; the retry loop is cancelled (its spool file persists).
        pending = [t for t in self._tasks if t.get_name() != "retry"]
        if pending:
            await asyncio.wait(pending, timeout=10)
        for task in self._tasks:
            task.cancel()
        self.ami.close()

    def health(self) -> dict[str, Any]:
        return {"asterisk": self.ami.logged_in,
                "fastagi": bool(self._server and self._server.is_serving()),
                "pending_records": self._pending_count()}

    # -- events -------------------------------------------------------------------------------
    def _on_event(self, _manager: Any, event: Any) -> None:
        try:
            record = self.tracker.feed(event, time.time())
        except Exception:  # one odd event must not stop the tracking of every other call
            log.exception("could not apply AMI event %s", event.get("Event"))
            return
        if record is not None:
            self._spawn(self._persist(record))

    async def _resync(self) -> None:
        """After every (re)login: events during a disconnect are lost, so ask what is live."""
        try:
            reply = await self.ami.action({"Action": "CoreShowChannels"}, as_list=True)
        except AmiError as e:
            log.warning("resync failed: %s", e)
            return
        live = [dict(m) for m in reply if m.get("Event") == "CoreShowChannel"]
        for record in self.tracker.resync(live, time.time()):
            log.warning("call %s ended while the bridge was not listening", record.linkedid)
            self._spawn(self._persist(record))

    def _spawn(self, coro: Coroutine[Any, Any, Any], name: str | None = None) -> None:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- a finished call -----------------------------------------------------------------------
    async def _persist(self, record: CallRecord) -> bool:
        """Stores the record and its recording; spools it if the database is down."""
        try:
            call_id = await asyncio.to_thread(self.store.save, record)
        except StoreError as e:
            log.error("database unavailable, call %s spooled: %s", record.linkedid, e)
            await asyncio.to_thread(self._spool, record)
            return False
        self.records_written += 1
        await self._attach_recording(call_id, record)
        return True

    async def _attach_recording(self, call_id: int, record: CallRecord) -> None:
        if record.recording_file is None:
            return
        raw = self.instance.monitor / record.recording_file
        started = datetime.fromtimestamp(record.started_at, UTC).astimezone(self.zone)
        rel = relative_target(record.linkedid, started)
        values: dict[str, Any]
        try:
            await asyncio.to_thread(wait_complete, raw)
            info = await asyncio.to_thread(finalize, raw, self.recordings / rel)
            values = {"recording_path": str(rel), "recording_duration": info.duration_seconds,
                      "recording_channels": info.channels, "recording_sha256": info.sha256,
                      "recording_error": None}
            if record.agent_answered_at is not None:
                values["qa_flags"] = await asyncio.to_thread(
                    analyze_for_call, info.path, self.analysis, self._not_conversation(record))
        except RecordingError as e:
            log.error("recording of call %s: %s", record.linkedid, e)
            values = {"recording_error": str(e)}
        try:
            await asyncio.to_thread(self.store.update, call_id, **values)
        except StoreError as e:
            log.error("could not attach the recording to call %s: %s", record.linkedid, e)

    def _not_conversation(self, record: CallRecord) -> list[tuple[float, float]]:
        """The IVR prompt, queue music and the agent-number announcement are not conversation:
        excluded from dead air and overtalk (R23). The recording starts at the IVR's answer."""
        start = record.answered_at or record.started_at
        if record.agent_answered_at is None:
            return []
        return [(0.0, record.agent_answered_at - start + self._intro_seconds(record.agent))]

    def _intro_seconds(self, agent: str | None) -> float:
        try:
            info = sf.info(str(self.instance.prompts / f"agent_intro_{agent}.wav"))
            return float(info.frames) / info.samplerate
        except (OSError, RuntimeError):
            return 0.0

    # -- the spool: records waiting for the database ----------------------------------------
    def _spool(self, record: CallRecord) -> None:
        self.spool.parent.mkdir(parents=True, exist_ok=True)
        with self.spool.open("a", encoding="utf-8") as f:
            f.write(json.dumps(record_to_dict(record), ensure_ascii=False) + "\n")

    def _pending_count(self) -> int:
        try:
            with self.spool.open(encoding="utf-8") as f:
                return sum(1 for line in f if line.strip())
        except FileNotFoundError:
            return 0

    async def _retry_pending(self) -> None:
        while True:
            try:
                await self.flush_spool()
            except (OSError, ValueError) as e:
                log.error("could not flush the spool %s: %s", self.spool, e)
            await asyncio.sleep(RETRY_SECONDS)

    async def flush_spool(self) -> int:
        """Writes spooled records; keeps what still fails. Returns how many were written."""
        # Taken aside first, so records spooled meanwhile go to a new file, not lost.
        taken = self.spool.with_suffix(".flushing")
        if not taken.exists():
            if not self.spool.exists():
                return 0
            self.spool.replace(taken)
        lines = await asyncio.to_thread(taken.read_text, "utf-8")
        records = [record_from_dict(json.loads(x)) for x in lines.splitlines() if x.strip()]
        taken.unlink()
        written = sum([await self._persist(record) for record in records])
        if written:
            log.info("%d spooled call record(s) written", written)
        return written
