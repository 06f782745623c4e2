"""The presence state machine (R24), pure: which actions make sense in which state, how a state
is written into Asterisk's queue (a member's pause flag and reason) and read back from it, and
which of two records of an agent's state wins after a restart.

Chosen states are `signed_out`, `available` and `paused` (with a reason). `ringing` and
`on_call` come from Asterisk and are only shown over `available`: they are not choices, and a
paused agent on a call (after-call work) stays paused."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from domain.status import Presence, PresenceAction, PresenceVia

# Queue encoding. Every agent is a queue member (queues.conf); its pause reason says why it is
# not offered calls. A member paused without a reason is signed out: that is how `required`
# members start after Asterisk boots, before anyone signed in.
SIGNED_OUT_REASON = "signed_out"
NO_REASON = "paused"  # a pause without a reason digit (`*23` alone)
RESERVED_REASONS = frozenset({SIGNED_OUT_REASON, NO_REASON, ""})

CHOSEN = frozenset({Presence.SIGNED_OUT, Presence.AVAILABLE, Presence.PAUSED})


class InvalidTransition(ValueError):
    """The action makes no sense in the agent's state (resume when not paused ...)."""

    def __init__(self, current: State, action: PresenceAction) -> None:
        super().__init__(f"cannot {action.value} while {current.presence.value}")
        self.current, self.action = current, action


@dataclass(frozen=True)
class State:
    presence: Presence
    reason: str = ""  # only when paused ("" : paused without a reason)

    def __post_init__(self) -> None:
        if self.presence not in CHOSEN:
            raise ValueError(f"{self.presence} is not a chosen state")
        if self.reason and self.presence is not Presence.PAUSED:
            raise ValueError("only a pause has a reason")


SIGNED_OUT = State(Presence.SIGNED_OUT)
AVAILABLE = State(Presence.AVAILABLE)


def paused(reason: str = "") -> State:
    return State(Presence.PAUSED, reason)


def initial(sign_in: str) -> State:
    """Before an agent ever changed anything: `auto` puts a registered agent in the queue
    (the behaviour before sign-in existed), `required` keeps it out until it signs in."""
    return AVAILABLE if sign_in == "auto" else SIGNED_OUT


def apply(current: State, action: PresenceAction, reason: str = "") -> State:
    """The state after `action`; InvalidTransition when it makes no sense. Pausing again while
    paused is refused too: the first reason stays on the trail, and a change of reason is
    `resume` then `pause`."""
    if action is PresenceAction.SIGN_IN and current.presence is Presence.SIGNED_OUT:
        return AVAILABLE
    if action is PresenceAction.SIGN_OUT and current.presence is not Presence.SIGNED_OUT:
        return SIGNED_OUT
    if action is PresenceAction.PAUSE and current.presence is Presence.AVAILABLE:
        return paused(reason)
    if action is PresenceAction.RESUME and current.presence is Presence.PAUSED:
        return AVAILABLE
    raise InvalidTransition(current, action)


def reason_of(digit: str, reasons: Mapping[str, str]) -> str:
    """A pause reason from the digit dialled after the pause code ("" : none given);
    KeyError for a digit [features] pause_reasons does not list."""
    return reasons[digit] if digit else ""


def to_queue(state: State) -> tuple[bool, str]:
    """The queue member's (paused, reason) for this state."""
    if state.presence is Presence.SIGNED_OUT:
        return True, SIGNED_OUT_REASON
    if state.presence is Presence.PAUSED:
        return True, state.reason or NO_REASON
    return False, ""


def from_queue(is_paused: bool, reason: str) -> State:
    """The state a queue member's (paused, reason) says: to_queue's inverse."""
    if not is_paused:
        return AVAILABLE
    if reason in ("", SIGNED_OUT_REASON):
        return SIGNED_OUT
    return paused("" if reason == NO_REASON else reason)


# QueueMember/QueueMemberStatus `Status` (Asterisk's device states, as app_queue reports them).
_RINGING = frozenset({"6", "7"})  # ringing, ring in use
_ON_CALL = frozenset({"2", "3", "8"})  # in use, busy, on hold
_UNREACHABLE = frozenset({"4", "5"})  # invalid, unavailable: no registered phone


def registered(status: str) -> bool:
    return status not in _UNREACHABLE


def activity(status: str) -> Presence | None:
    """What the phone is doing, from the member's device status: ringing, on a call, or
    nothing to show (None)."""
    if status in _RINGING:
        return Presence.RINGING
    if status in _ON_CALL:
        return Presence.ON_CALL
    return None


def shown(state: State, doing: Presence | None) -> Presence:
    """The state GET /agents shows: the phone's activity over `available`, else the choice."""
    if state.presence is Presence.AVAILABLE and doing is not None:
        return doing
    return state.presence


@dataclass(frozen=True)
class Stamped:
    """A state with the time (Unix seconds) it was chosen and where it came from."""

    state: State
    at: float
    via: PresenceVia


def newer(stored: Stamped | None, in_asterisk: Stamped | None) -> Stamped | None:
    """Which record of an agent's state holds after a restart: the database's (every change
    the bridge saw) or Asterisk's own (the last change, written by the dialplan or the bridge
    into AstDB). The later one: a feature code dialled while the bridge was down is only in
    Asterisk; a change made through the API while Asterisk was down only in the database.
    A tie is the same change seen by both."""
    if stored is None or in_asterisk is None:
        return stored or in_asterisk
    # Compared in milliseconds, the resolution both records are written with.
    return in_asterisk if millis(in_asterisk.at) > millis(stored.at) else stored


def millis(at: float) -> int:
    return round(at * 1000)
