"""The SIP doors' wiring on AMI (issue 13).

- The dialplan announces every INVITE it rejected because it came from neither the carrier nor
  an agent (UserEvent HotlineSipRejected, from [from-unknown]): counted in
  hotline_sip_rejected_total{reason="unknown_source"} and logged.
- Asterisk's security events (AMI class `security`) tell every failed authentication
  (InvalidPassword, ChallengeResponseFailed, InvalidAccountID, and FailedACL for a phone outside
  its [[agents]] permit): counted as `auth_failed`; `sip.ban_after_failures` of them from one
  address within `sip.ban_window` seconds ban it for `sip.ban_seconds` (hotline_sip_bans_total;
  hotline_sip_banned the addresses banned now: Asterisk refuses their requests with 403 and
  reports none of them, so they are not counted one by one). A ban is a
  res_pjsip_acl object in pjsip_bans.conf (included by pjsip.conf), applied with `module
  reload res_pjsip.so` through Asterisk's control socket (res_pjsip_acl cannot reload on its
  own; calls in progress and registrations survive): the bridge's AMI login may not reload."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from domain.clock import Clock
from domain.status import SipRejection
from ivr.ami_events import EventDispatcher
from metrics import SIP_BANNED, SIP_BANS, SIP_REJECTED
from settings.schema import Sip
from sipguard.bans import BanBook, BanRule, acl_text

log = logging.getLogger(__name__)

REJECTED_EVENT = "HotlineSipRejected"
BANS_FILE = "pjsip_bans.conf"
# Security events that say "someone failed to authenticate" (Asterisk's security_events).
AUTH_FAILURES = ("InvalidPassword", "ChallengeResponseFailed", "InvalidAccountID", "FailedACL")


def rejection_reason(event: Mapping[str, Any]) -> SipRejection | None:
    """The reason if the event is the dialplan's rejection; an unknown word (a dialplan of
    another version) still counts, as an unknown source."""
    if event.get("Event") != "UserEvent" or event.get("UserEvent") != REJECTED_EVENT:
        return None
    try:
        return SipRejection(event.get("Reason", ""))
    except ValueError:
        return SipRejection.UNKNOWN_SOURCE


def remote_ip(event: Mapping[str, Any]) -> str | None:
    """`IPV4/UDP/127.0.0.77/41842` -> `127.0.0.77`."""
    parts = str(event.get("RemoteAddress", "")).split("/")
    return parts[2] if len(parts) >= 3 and parts[2] else None


def ban_rule(sip: Sip) -> BanRule:
    return BanRule(sip.ban_after_failures, timedelta(seconds=sip.ban_window),
                   timedelta(seconds=sip.ban_seconds), tuple(sip.trunk_hosts))


class SipGuard:
    def __init__(self, rule: BanRule | None = None, clock: Clock | None = None,
                 bans_file: Path | None = None, reload: Callable[[], object] | None = None,
                 owner: tuple[int, int] | None = None, interval: float = 1.0) -> None:
        self.book = BanBook(rule or BanRule(0, timedelta(1), timedelta(1)))
        self.clock, self.bans_file, self.reload = clock, bans_file, reload
        self.owner, self.interval = owner, interval
        self.rejected = 0
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    def attach(self, events: EventDispatcher) -> None:
        events.subscribe("UserEvent", self.on_user_event)
        events.subscribe_many(AUTH_FAILURES, self.on_security_event)

    def on_user_event(self, event: Mapping[str, Any]) -> None:
        reason = rejection_reason(event)
        if reason is None:
            return
        self.rejected += 1
        SIP_REJECTED.labels(reason=reason.value).inc()
        log.warning("SIP INVITE rejected (%s) from %s for %s%s", reason.value,
                    event.get("Peer", "?"), event.get("Number", "?"),
                    f" as agent {event['Agent']}" if event.get("Agent") else "")

    async def on_security_event(self, event: Mapping[str, Any]) -> None:
        address = remote_ip(event)
        SIP_REJECTED.labels(reason=SipRejection.AUTH_FAILED.value).inc()
        if address is None or self.clock is None:
            return
        log.warning("SIP authentication failed (%s) from %s for %s", event.get("Event"),
                    address, event.get("AccountID", "?"))
        if self.book.failure(address, self.clock(), str(event.get("SessionID", ""))):
            SIP_BANS.inc()
            rule = self.book.rule
            log.warning("SIP: %s banned for %s after %d failed authentications within %s",
                        address, rule.duration, rule.failures, rule.window)
            await self.apply()

    async def apply(self) -> None:
        """Writes the bans into Asterisk's configuration and reloads res_pjsip."""
        if self.bans_file is None:
            return
        async with self._lock:
            SIP_BANNED.set(len(self.book.banned))
            await asyncio.to_thread(self._write_and_reload, acl_text(self.book.banned))

    def _write_and_reload(self, text: str) -> None:
        assert self.bans_file is not None
        self.bans_file.write_text(text, encoding="utf-8")
        if self.owner is not None:
            os.chown(self.bans_file, *self.owner)  # Asterisk runs as its own user
        if self.reload is not None:
            try:
                answer = self.reload()
                if isinstance(answer, str) and "success" not in answer.lower():
                    log.error("SIP bans written to %s but the reload said: %s",
                              self.bans_file, answer.strip())
            except Exception:
                log.exception("SIP bans written to %s but pjsip could not be reloaded",
                              self.bans_file)

    async def _expire_forever(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            if self.clock is None:
                continue
            over = self.book.expire(self.clock())
            if over:
                log.warning("SIP: ban over for %s", ", ".join(over))
                try:
                    await self.apply()
                except Exception:
                    log.exception("lifting SIP bans failed; retrying")

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._expire_forever(),
                                                            name="sip-bans")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def health(self) -> dict[str, Any]:
        return {"sip_banned": len(self.book.banned)}
