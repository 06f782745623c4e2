"""The bridge's wiring, and nothing else: the FastAGI routing server, one AMI client with its
event dispatcher, and the features that subscribe to it (today the calls feature, which keeps
a record and a recording of every call). Each part owns its work; this only builds and
starts them."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from agents.desk import PresenceDesk
from agents.plugin import PresencePlugin
from agents.queue import QueuePresence
from agents.store import PresenceStore
from callrecords.live_sessions import LiveSessionStore
from callrecords.store import CallStore
from calls.cel import CelLog
from calls.keeper import CallKeeper
from calls.plugin import CallsPlugin
from calls.recovery import Recovery
from calls.spool import Spool
from domain.clock import Clock, system_clock
from domain.qa_thresholds import AnalysisConfig
from domain.retention import reconcile_lookback
from hotline.retention import PurgeJob, Purger
from ivr.agi_server import RoutingServer
from ivr.ami import AmiClient
from ivr.ami_events import EventDispatcher
from live.plugin import LiveListening
from pbx.layout import Instance
from pbx.ownership import run_ids
from pbx.process import Asterisk
from pbx.provision import installed_version
from qa.store import QaStore
from qa.weekly import WeeklyDrafter
from recordings.finaliser import RecordingFinaliser
from settings import Settings
from settings.policy import policy_from_settings
from sipguard.plugin import BANS_FILE, SipGuard, ban_rule
from tickets.callbacks import Callbacks
from tickets.desk import desk_from_settings
from tickets.plugin import VoicemailTickets
from tickets.watcher import BreachWatcher

RETRY_SECONDS = 5.0


class Bridge:
    def __init__(self, settings: Settings, store: CallStore, instance: Instance,
                 clock: Clock = system_clock) -> None:
        self.agi_bind = settings.agi.bind
        self.routing = RoutingServer(
            policy_from_settings(settings, f"{instance.inner}/prompts"), clock)
        self.ami = AmiClient(settings.ami)
        self.events = EventDispatcher(self.ami)
        finaliser = RecordingFinaliser(
            instance.monitor, Path(settings.storage.recordings_dir), instance.prompts,
            ZoneInfo(settings.company.timezone),
            AnalysisConfig.from_mapping(settings.analysis.model_dump()))
        self.keeper = CallKeeper(store, Spool(Path(settings.storage.spool_dir).resolve()),
                                 finaliser, RETRY_SECONDS, settings.storage.min_free_mb)
        # issue 13: calls that ended while the bridge was down, rebuilt from Asterisk's CEL
        # (never older than the call records' retention: a purged call stays purged).
        self.recovery = Recovery(CelLog(instance.cel), store, self.keeper, instance.monitor,
                                 reconcile_lookback(settings.reconcile.lookback_hours * 3600,
                                                    settings.retention.call_records),
                                 settings.reconcile.grace_seconds)
        self.calls = CallsPlugin(self.keeper, self.ami, recovery=self.recovery)
        self.calls.attach(self.events)
        # R22: last week's QA report is drafted every Monday, on the one clock.
        self.weekly = WeeklyDrafter(QaStore(store), clock, ZoneInfo(settings.company.timezone))
        desk = desk_from_settings(settings, store, clock)
        self.voicemail_tickets = VoicemailTickets(
            desk, Path(settings.storage.recordings_dir).resolve(), instance.host,
            instance.voicemail / "hotline" / settings.voicemail.mailbox / "INBOX")
        self.voicemail_tickets.attach(self.events)
        # Issue 13 item 9: callbacks originate on a login of their own (the bridge's cannot);
        # their events (OriginateResponse, UserEvents) still come through the dispatcher.
        self.originate_ami = AmiClient(settings.ami.model_copy(update={
            "username": settings.ami.originate_username,
            "secret": settings.ami.originate_secret}), events="off")
        self.callbacks = Callbacks(self.originate_ami, desk, settings.queue.ring_timeout)
        self.callbacks.attach(self.events)
        self.breaches = BreachWatcher(desk, settings.tickets.webhook_url,
                                      ZoneInfo(settings.company.timezone))
        # R24: agents' sign-in, sign-out and pause, applied to the queue and kept on a trail.
        presence_queue = QueuePresence(self.ami, astdb=self.originate_ami)
        self.presence = PresencePlugin(
            PresenceDesk(settings, PresenceStore(store.sessions), clock, presence_queue),
            presence_queue)
        self.presence.attach(self.events)
        # Issue 13: INVITEs from unknown sources counted (the dialplan rejects them).
        asterisk = Asterisk(instance, settings.ami)
        self.sip_guard = SipGuard(ban_rule(settings.sip), clock, instance.etc / BANS_FILE,
                                  lambda: asterisk.cli("module reload res_pjsip.so"),
                                  run_ids(instance.root))
        self.sip_guard.attach(self.events)
        # Issue 13 item 6: the daily retention purge, on the one clock.
        self.retention = PurgeJob(
            Purger(store, Path(settings.storage.recordings_dir), settings.retention,
                   instance.cel), clock,
            ZoneInfo(settings.company.timezone))
        # R18: supervisors listening in; the API's /live-sessions acts through it.
        self.live = LiveListening(self.ami, LiveSessionStore(store.sessions), clock,
                                  settings.queue.ring_timeout, originator=self.originate_ami)
        self.live.attach(self.events)
        self._server: asyncio.Server | None = None
        self.asterisk_version = installed_version(instance.root)  # recorded at provision

    async def start(self) -> None:
        host, _, port = self.agi_bind.rpartition(":")
        self._server = await self.routing.start(host, int(port))
        self.calls.start()
        self.weekly.start()
        self.breaches.start()
        self.retention.start()
        self.sip_guard.start()
        self.originate_ami.connect()
        self.ami.connect()
        await self.ami.wait_login(timeout=10)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        await self.calls.stop()
        await self.weekly.stop()
        await self.voicemail_tickets.stop()
        await self.breaches.stop()
        await self.callbacks.stop()
        await self.presence.stop()
        await self.retention.stop()
        await self.sip_guard.stop()
        self.originate_ami.close()
        await self.live.stop()
        self.ami.close()

    def health(self) -> dict[str, Any]:
        return {"asterisk": self.ami.logged_in,
                "fastagi": bool(self._server and self._server.is_serving()),
                **self.keeper.health(),
                "asterisk_version": self.asterisk_version,
                "voicemail_tickets": self.voicemail_tickets.opened,
                "breach_watcher": self.breaches.running,
                "reconciled_records": self.recovery.reconciled,
                "reconcile_passes": self.recovery.passes,
                "recovered_recordings": self.recovery.recordings_recovered,
                **self.presence.health(),
                **self.sip_guard.health(),
                "live_sessions": self.live.listening}
