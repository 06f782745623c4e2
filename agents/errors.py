"""Errors of the /agents routes (status, error_id)::

    NotFound                      404
    └── AgentNotFound                 agent.not_found       no such 工号 in [[agents]]
    PresenceInvalid               409 agent.presence_invalid  the action makes no sense now
    InvalidRequest                422
    ├── PauseReasonInvalid            agent.reason_invalid  details.field = "reason"
    └── PeriodInvalid                 agent.invalid_period  since is after until
"""

from __future__ import annotations

from api.errors import ApiError, InvalidRequest, NotFound


class AgentNotFound(NotFound):
    error_id = "agent.not_found"
    message = "no such agent"


class PresenceInvalid(ApiError):
    status = 409
    error_id = "agent.presence_invalid"
    message = "this action makes no sense in the agent's state"


class PauseReasonInvalid(InvalidRequest):
    error_id = "agent.reason_invalid"
    message = "body.reason: not one of [features] pause_reasons"


class PeriodInvalid(InvalidRequest):
    error_id = "agent.invalid_period"
    message = "query.since: since must not be after until"
