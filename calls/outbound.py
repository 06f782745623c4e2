"""Agents' outbound calls refused by the [outbound] rules (issue 13): the dialplan announces each
one (HotlineOutboundRefused, with Agent, Number and Reason); this counts them by reason in
hotline_outbound_refused_total and logs them, so a stolen phone password trying the carrier
shows up in /metrics and the log. The call's record itself is the tracker's work."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from domain.status import OutboundRefusal
from metrics import OUTBOUND_REFUSED

log = logging.getLogger(__name__)

REFUSED_EVENT = "HotlineOutboundRefused"


def refusal_reason(event: Mapping[str, Any]) -> OutboundRefusal | None:
    """The refusal's reason if the event is a refusal; an unknown reason word (a dialplan of
    another version) counts as a refused number rather than not at all."""
    if event.get("Event") != "UserEvent" or event.get("UserEvent") != REFUSED_EVENT:
        return None
    try:
        return OutboundRefusal(event.get("Reason", ""))
    except ValueError:
        return OutboundRefusal.NUMBER


def count_refusal(event: Mapping[str, Any]) -> None:
    """A dispatcher handler for "UserEvent"."""
    reason = refusal_reason(event)
    if reason is None:
        return
    OUTBOUND_REFUSED.labels(reason=reason.value).inc()
    log.warning("outbound call refused (%s): agent %s dialled %s", reason.value,
                event.get("Agent", "?"), event.get("Number", "?"))
