"""Every status word the hotline writes, in one place: the call tracker sets them, the store
keeps them as text, the API documents and serves them. Values are a public contract (the API,
the dialplan's UserEvents, external harnesses): never rename one.

StrEnum members are `str`, so they compare equal to the words themselves and are stored as
plain text by SQLAlchemy and JSON."""

from __future__ import annotations

import enum


class Disposition(enum.StrEnum):
    """How a call ended for the caller (R12)."""

    ANSWERED = "answered"  # an agent took it
    ABANDONED = "abandoned"  # the caller gave up while queued
    VOICEMAIL = "voicemail"  # the caller reached voicemail
    FORWARDED = "forwarded"  # the on-duty mobile answered (R7)
    MISSED = "missed"  # none of the above


class Route(enum.StrEnum):
    """Where the routing decision (or the queue's overflow) sent the call: the dialplan's
    `hotline-<route>` context."""

    AGENT = "agent"
    VOICEMAIL = "voicemail"
    AFTER_HOURS = "after_hours"
    HOLIDAY = "holiday"
    FORWARD = "forward"


class Decider(enum.StrEnum):
    """Who made the routing decision: the bridge's FastAGI server, the pyst2 fallback inside
    Asterisk, nobody (the dialplan's last resort), or the queue's overflow to voicemail."""

    FASTAGI = "fastagi"
    FALLBACK = "fallback"
    NONE = "none"
    QUEUE = "queue"


class HangupBy(enum.StrEnum):
    CALLER = "caller"
    AGENT = "agent"
    SYSTEM = "system"


class ClosedReason(enum.StrEnum):
    """Why the hotline was closed when the call came in (empty when open)."""

    OPEN = ""
    AFTER_HOURS = "after_hours"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"


class DayKind(enum.StrEnum):
    """What kind of day a date is for the hotline (R7)."""

    WORKDAY = "workday"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"


class InspectionMode(enum.StrEnum):
    """How a QA plan item is inspected (R18)."""

    LIVE = "live"  # listening in on the call
    POST = "post"  # from the recording, afterwards


class SampleReason(enum.StrEnum):
    """Which rule put a call into the month's QA plan."""

    R18_SAMPLE = "r18_sample"
    R18_LIVE = "r18_live"
    R19_LONG_IN_MISSED_PERIOD = "r19_long_in_missed_period"
    R19_SHORT = "r19_short"
    R20_NEIGHBOUR = "r20_neighbour"


class ItemStatus(enum.StrEnum):
    TODO = "todo"
    REVIEWED = "reviewed"  # a draft review exists
    CONFIRMED = "confirmed"


class ReviewStatus(enum.StrEnum):
    DRAFT = "draft"
    CONFIRMED = "confirmed"  # immutable; corrected only by a revision


class ReportStatus(enum.StrEnum):
    DRAFT = "draft"
    CONFIRMED = "confirmed"  # published by a supervisor (R22)
