"""The SIP doors' wiring on AMI (issue 13): the dialplan announces every INVITE it rejected
because it came from neither the carrier nor an agent (UserEvent HotlineSipRejected, from
[from-unknown]); this counts them in hotline_sip_rejected_total{reason} and logs the address,
so a scan of the hotline shows up in /metrics and the log."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from domain.status import SipRejection
from ivr.ami_events import EventDispatcher
from metrics import SIP_REJECTED

log = logging.getLogger(__name__)

REJECTED_EVENT = "HotlineSipRejected"


def rejection_reason(event: Mapping[str, Any]) -> SipRejection | None:
    """The reason if the event is the dialplan's rejection; an unknown word (a dialplan of
    another version) still counts, as an unknown source."""
    if event.get("Event") != "UserEvent" or event.get("UserEvent") != REJECTED_EVENT:
        return None
    try:
        return SipRejection(event.get("Reason", ""))
    except ValueError:
        return SipRejection.UNKNOWN_SOURCE


class SipGuard:
    def __init__(self) -> None:
        self.rejected = 0

    def attach(self, events: EventDispatcher) -> None:
        events.subscribe("UserEvent", self.on_user_event)

    def on_user_event(self, event: Mapping[str, Any]) -> None:
        reason = rejection_reason(event)
        if reason is None:
            return
        self.rejected += 1
        SIP_REJECTED.labels(reason=reason.value).inc()
        log.warning("SIP INVITE rejected (%s) from %s for %s", reason.value,
                    event.get("Peer", "?"), event.get("Number", "?"))
