"""Errors of the /live-sessions routes (status, error_id)::

    NotFound                      404
    ├── AgentNotFound                 agent.not_found        no [[agents]] with this number
    ├── ListenerNotFound              listener.not_found     no [[supervisors]] with this number
    └── LiveSessionNotFound           live_session.not_found
    AgentNotOnCall                409 agent.not_on_call      the agent has no call to listen to
    ListenerUnavailable           409 listener.unavailable   the supervisor's phone is not
                                                             registered
    LiveSessionEnded              409 live_session.ended     DELETE of a session already over
    LiveUnavailable               503 asterisk.unavailable   no bridge, or Asterisk refused
"""

from __future__ import annotations

from api.errors import ApiError, NotFound


class AgentNotFound(NotFound):
    error_id = "agent.not_found"
    message = "no agent with this number"


class ListenerNotFound(NotFound):
    error_id = "listener.not_found"
    message = "no supervisor phone with this number ([[supervisors]])"


class LiveSessionNotFound(NotFound):
    error_id = "live_session.not_found"
    message = "no such live session"


class AgentNotOnCall(ApiError):
    status = 409
    error_id = "agent.not_on_call"
    message = "the agent is not on a call"


class ListenerUnavailable(ApiError):
    status = 409
    error_id = "listener.unavailable"
    message = "the supervisor's phone is not registered"


class LiveSessionEnded(ApiError):
    status = 409
    error_id = "live_session.ended"
    message = "the live session has already ended"


class LiveUnavailable(ApiError):
    status = 503
    error_id = "asterisk.unavailable"
    message = "live listening needs the running service and Asterisk"
