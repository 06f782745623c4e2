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
    REFUSED = "refused"  # an agent's outbound call the [outbound] rules did not allow (issue 13)
    MISSED = "missed"  # none of the above


class Route(enum.StrEnum):
    """Where the routing decision (or the queue's overflow) sent the call: the dialplan's
    `hotline-<route>` context."""

    AGENT = "agent"
    VOICEMAIL = "voicemail"
    AFTER_HOURS = "after_hours"
    HOLIDAY = "holiday"
    FORWARD = "forward"
    CALLBACK = "callback"  # a ticket's callback, originated by the product (issue 6)
    OUTBOUND = "outbound"  # dialled by an agent from the phone, through the carrier (issue 13)


class Direction(enum.StrEnum):
    """Who placed the call: the customer (inbound) or the hotline (outbound: callbacks)."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"


class OutboundRefusal(enum.StrEnum):
    """Why an agent's outbound call was refused (the dialplan's HotlineOutboundRefused Reason,
    the hotline_outbound_refused_total metric's label)."""

    AGENT = "agent_not_permitted"  # the agent has no [[agents]] outbound = true
    NUMBER = "number_not_allowed"  # the number matches none of [outbound] allowed


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
# -- tickets (R13-R17): words of the ticket API, a public contract -----------------------------
class TicketStatus(enum.StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"


class TicketCategory(enum.StrEnum):
    """R13."""

    INQUIRY = "inquiry"
    COMPLAINT = "complaint"
    SUGGESTION = "suggestion"
    REPAIR = "repair"
    OTHER = "other"


class TicketCause(enum.StrEnum):
    """R13: service attitude, service quality, product, other."""

    ATTITUDE = "attitude"
    QUALITY = "quality"
    PRODUCT = "product"
    OTHER = "other"


class ComplaintKind(enum.StrEnum):
    """R14: 责任投诉, 无责任投诉, 协助处理投诉."""

    RESPONSIBLE = "responsible"
    NON_RESPONSIBLE = "non_responsible"
    ASSISTANCE = "assistance"


class Severity(enum.StrEnum):
    GENERAL = "general"
    MAJOR = "major"


class MajorReason(enum.StrEnum):
    """R14: what made a responsible complaint major."""

    COLLECTIVE = "collective"
    UNRESOLVED_MONTH = "unresolved_month"
    GOVERNMENT_MEDIA = "government_media"
    SERIOUS_LOSS = "serious_loss"
    REPEATED_UNRESOLVED = "repeated_unresolved"


class Channel(enum.StrEnum):
    PHONE = "phone"
    VOICEMAIL = "voicemail"
    WECHAT = "wechat"
    EMAIL = "email"
    WEB = "web"
    WALK_IN = "walk_in"


class TicketEventType(enum.StrEnum):
    """What may happen to a ticket. The first eleven are posted by people and integrations;
    `created`, `major`, `callback_call` and `callback_failed` are written by the product."""

    CLASSIFY = "classify"
    ASSIGN = "assign"
    START = "start"
    REACT = "react"
    REPLY = "reply"
    RESOLVE = "resolve"
    CALLBACK = "callback"
    REOPEN = "reopen"
    COMMENT = "comment"
    CLOSE = "close"
    CREATED = "created"
    MAJOR = "major"
    CALLBACK_CALL = "callback_call"
    CALLBACK_FAILED = "callback_failed"


class CallbackResult(enum.StrEnum):
    SATISFIED = "satisfied"
    DISSATISFIED = "dissatisfied"  # reopens the ticket (R17)
    UNREACHABLE = "unreachable"
    REFUSED = "refused"  # recorded, and lets the ticket close (R17)


class ClockState(enum.StrEnum):
    PENDING = "pending"  # its start event has not happened
    RUNNING = "running"
    MET = "met"
    BREACHED = "breached"  # due passed before it was met; stays so when met late


# -- agents' presence (R24, issue 8): words of the /agents API and the dialplan's UserEvents ----
class Presence(enum.StrEnum):
    """Where an agent is. The first three are chosen (feature codes, the API, `auto` sign-in);
    `ringing` and `on_call` are read from Asterisk and shown over `available`."""

    SIGNED_OUT = "signed_out"
    AVAILABLE = "available"
    PAUSED = "paused"  # with a reason from [features] pause_reasons, or none
    RINGING = "ringing"
    ON_CALL = "on_call"


class PresenceAction(enum.StrEnum):
    SIGN_IN = "sign_in"
    SIGN_OUT = "sign_out"
    PAUSE = "pause"
    RESUME = "resume"


class PresenceVia(enum.StrEnum):
    """Where a presence change came from (the trail's `via`)."""

    PHONE = "phone"  # a feature code dialled from the agent's phone
    API = "api"  # POST /agents/{agent}/presence
    AUTO = "auto"  # [queue] sign_in = "auto", or the state re-applied after a restart


class RecordSource(enum.StrEnum):
    """Where a call record came from (issue 13, R11/R12): `live` the bridge followed the call
    over AMI; `reconciled` the bridge was down or disconnected and built it afterwards from
    Asterisk's own CEL (or, with no CEL, from the orphaned raw recording); `imported` by
    `hotline calls import`."""

    LIVE = "live"
    RECONCILED = "reconciled"
    IMPORTED = "imported"


# -- SIP doors (issue 13): words of the hotline_sip_rejected_total metric --------------------
class SipRejection(enum.StrEnum):
    """Why a SIP request was turned away (the metric's `reason` label)."""

    UNKNOWN_SOURCE = "unknown_source"  # an INVITE from neither the carrier nor an agent
    AUTH_FAILED = "auth_failed"  # a failed authentication (Asterisk's security events)
    OUTSIDE_PERMIT = "outside_permit"  # an agent's call from outside its [[agents]] permit


class LiveMode(enum.StrEnum):
    """How a supervisor listens in (R18): who hears the supervisor."""

    LISTEN = "listen"  # nobody: the supervisor only hears caller and agent
    WHISPER = "whisper"  # the agent, not the caller
    BARGE = "barge"  # both


class LiveVia(enum.StrEnum):
    """Where a live-listening session was started."""

    API = "api"  # POST /live-sessions
    PHONE = "phone"  # the supervisor dialled the listen feature code (*25<工号>)


class LiveEnd(enum.StrEnum):
    """Why a live-listening session ended."""

    HANGUP = "hangup"  # the supervisor's phone or the agent's call hung up
    STOPPED = "stopped"  # DELETE /live-sessions/{id}
    NO_ANSWER = "no_answer"  # the supervisor's phone did not answer
    LOST = "lost"  # the spy channel was gone when the bridge (re)connected
