"""How long what is kept (issue 13 item 6, R26): pure rules of the retention policy. The purge
itself (hotline/retention.py) reads the store; here is only when something has expired and when
the daily purge is due, from the one clock."""

from __future__ import annotations

import enum
from datetime import date, datetime, time, timedelta

KEEP_FOREVER = 0  # a kind with 0 days (or left out) is never purged


class RetentionKind(enum.StrEnum):
    """What the policy removes, the keys of `[retention]` (a public contract)."""

    RECORDINGS = "recordings"  # the WAV of a call (its record stays, `recording` null)
    CALL_RECORDS = "call_records"  # the call record with its legs, and its recording
    TICKETS = "tickets"  # a closed ticket with its voicemail message
    AUDIT = "audit"  # entries of the access log


def cutoff(now: datetime, days: int) -> datetime | None:
    """What started before this instant has expired; None: kept forever."""
    if days <= KEEP_FOREVER:
        return None
    return now - timedelta(days=days)


def purge_due(now_local: datetime, at: time, last_run: date | None) -> bool:
    """Whether the daily purge runs now: once a day, at or after `at` (company time), on a day
    it has not run yet. A service that was down at `at` catches up when it comes back."""
    return now_local.time() >= at and last_run != now_local.date()
