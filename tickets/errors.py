"""Errors of the /tickets routes (status, error_id)::

    NotFound                      404
    ├── TicketNotFound                ticket.not_found     (also: not visible to this agent)
    ├── VoicemailNotFound             voicemail.not_found  the ticket has no voicemail
    └── VoicemailMissing              voicemail.missing    its file is gone (or leaves the folder)
    VoicemailRangeNotSatisfiable  416 voicemail.range_not_satisfiable
    TransitionInvalid             409 ticket.transition_invalid  details: status, event, reason
    AgentUnavailable              409 agent.unavailable    the agent's phone is not registered
    InvalidRequest                422
    ├── InvalidClassification         ticket.invalid_classification  complaint_kind without
    │                                                                  a complaint
    ├── UnknownCall                   ticket.unknown_call  a call id that is no call record
    ├── InvalidMonth                  ticket.invalid_month month is not YYYY-MM
    ├── UnknownAgent                  ticket.unknown_agent no [[agents]] with this number
    └── NoCustomerNumber              ticket.no_customer_number  nobody to call back
    CallbacksUnavailable          503 asterisk.unavailable  the callback could not be placed
"""

from __future__ import annotations

from api.errors import ApiError, InvalidRequest, NotFound


class TicketNotFound(NotFound):
    error_id = "ticket.not_found"
    message = "no such ticket"


class VoicemailNotFound(NotFound):
    error_id = "voicemail.not_found"
    message = "this ticket has no voicemail message"


class TransitionInvalid(ApiError):
    status = 409
    error_id = "ticket.transition_invalid"
    message = "the ticket's status does not allow this event"


class AgentUnavailable(ApiError):
    status = 409
    error_id = "agent.unavailable"
    message = "the agent's phone is not registered"


class InvalidClassification(InvalidRequest):
    error_id = "ticket.invalid_classification"
    message = "complaint_kind is only for complaints"


class UnknownCall(InvalidRequest):
    error_id = "ticket.unknown_call"
    message = "no call record with this id"


class InvalidMonth(InvalidRequest):
    error_id = "ticket.invalid_month"
    message = "month must be YYYY-MM"


class VoicemailMissing(NotFound):
    error_id = "voicemail.missing"
    message = "the voicemail file of this ticket is missing"


class VoicemailRangeNotSatisfiable(ApiError):
    status = 416
    error_id = "voicemail.range_not_satisfiable"
    message = "requested range not satisfiable"

    def __init__(self, size: int, range_header: str) -> None:
        super().__init__(details={"size": size, "range": range_header},
                         headers={"Content-Range": f"bytes */{size}"})


class UnknownAgent(InvalidRequest):
    error_id = "ticket.unknown_agent"
    message = "no agent with this number"


class NoCustomerNumber(InvalidRequest):
    error_id = "ticket.no_customer_number"
    message = "the ticket has no customer number to call back"


class CallbacksUnavailable(ApiError):
    status = 503
    error_id = "asterisk.unavailable"
    message = "Asterisk cannot be reached to place the callback"
