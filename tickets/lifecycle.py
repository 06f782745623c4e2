"""The ticket's state machine (R17), pure: which event each status allows and where it leads.
An event a status does not allow is refused (the API answers 409 ticket.transition_invalid)."""

from __future__ import annotations

from domain.status import CallbackResult, TicketEventType, TicketStatus

E, S = TicketEventType, TicketStatus

_OPEN = (S.NEW, S.IN_PROGRESS, S.REOPENED)

# event -> {status it is allowed in: status it leads to}
TRANSITIONS: dict[TicketEventType, dict[TicketStatus, TicketStatus]] = {
    E.CLASSIFY: {s: s for s in (*_OPEN, S.RESOLVED)},
    E.ASSIGN: {s: s for s in _OPEN},
    E.START: {S.NEW: S.IN_PROGRESS, S.REOPENED: S.IN_PROGRESS},
    E.REACT: {s: s for s in _OPEN},
    E.REPLY: {s: s for s in (*_OPEN, S.RESOLVED)},
    E.RESOLVE: {s: S.RESOLVED for s in _OPEN},
    E.CALLBACK: {S.RESOLVED: S.RESOLVED},  # a dissatisfied one reopens: see next_status
    E.REOPEN: {S.RESOLVED: S.REOPENED, S.CLOSED: S.REOPENED},
    E.COMMENT: {s: s for s in S},
    E.CLOSE: {S.RESOLVED: S.CLOSED},
}

# Results that complete a callback: an unreachable customer still has to be called back.
CALLBACK_DONE = frozenset({CallbackResult.SATISFIED, CallbackResult.DISSATISFIED,
                           CallbackResult.REFUSED})


class TransitionRefused(Exception):
    def __init__(self, status: TicketStatus, event: TicketEventType, reason: str) -> None:
        self.status, self.event, self.reason = status, event, reason
        super().__init__(f"{event} is not allowed on a {status} ticket: {reason}")


def next_status(status: TicketStatus, event: TicketEventType, *,
                result: CallbackResult | None = None, callback_owed: bool = False
                ) -> TicketStatus:
    """The status after `event`. `callback_owed`: the ticket's callback clock applies and no
    callback with the customer's answer has been made since it was resolved (R15), which
    blocks `close` (a refused callback counts as made, R17)."""
    allowed = TRANSITIONS.get(event)
    if allowed is None:
        raise TransitionRefused(status, event, "this event is written by the product only")
    if status not in allowed:
        may = ", ".join(sorted(allowed)) or "none"
        raise TransitionRefused(status, event, f"allowed in: {may}")
    if event is E.CLOSE and callback_owed:
        raise TransitionRefused(status, event, "the customer has not been called back yet")
    if event is E.CALLBACK and result is CallbackResult.DISSATISFIED:
        return S.REOPENED  # R17: until the customer is satisfied
    return allowed[status]
