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
    # Asterisk's Channel Event Log (the instance's log/master.db): callers' numbers and names,
    # kept only as long as the reconcile pass needs them (issue 13, R26)
    CHANNEL_EVENTS = "channel_events"


def cutoff(now: datetime, days: int) -> datetime | None:
    """What started before this instant has expired; None: kept forever."""
    if days <= KEEP_FOREVER:
        return None
    return now - timedelta(days=days)


def channel_events_days(channel_events: int, call_records: int) -> int:
    """Asterisk's channel events hold the same callers' numbers as the call records: left at
    0 they go with the call records (and are kept forever only if those are)."""
    return channel_events if channel_events > KEEP_FOREVER else call_records


def reconcile_lookback(lookback_seconds: float, call_records: int) -> float:
    """How far back the reconcile pass may rebuild records: never past the call records'
    retention, or it would bring back calls the purge removed (R26)."""
    if call_records <= KEEP_FOREVER:
        return lookback_seconds
    return min(lookback_seconds, call_records * 86400.0)


def purge_due(now_local: datetime, at: time, last_run: date | None) -> bool:
    """Whether the daily purge runs now: once a day, at or after `at` (company time), on a day
    it has not run yet. A service that was down at `at` catches up when it comes back."""
    return now_local.time() >= at and last_run != now_local.date()
