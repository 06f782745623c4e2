"""The presence state machine (R24), pure: every action in every state, the queue encoding's
round trip, and which record wins after a restart. Property tests with hypothesis."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agents.presence import (
    AVAILABLE,
    SIGNED_OUT,
    InvalidTransition,
    Stamped,
    State,
    activity,
    apply,
    from_queue,
    initial,
    newer,
    paused,
    reason_of,
    registered,
    shown,
    to_queue,
)
from domain.status import Presence, PresenceAction, PresenceVia

REASONS = {"1": "lunch", "2": "training", "3": "after_call_work"}
reasons = st.sampled_from(["", "lunch", "training", "after_call_work"])
states = st.one_of(st.just(SIGNED_OUT), st.just(AVAILABLE), reasons.map(paused))
actions = st.sampled_from(list(PresenceAction))


def test_the_table_of_sensible_actions() -> None:
    assert apply(SIGNED_OUT, PresenceAction.SIGN_IN) == AVAILABLE
    assert apply(AVAILABLE, PresenceAction.PAUSE, "lunch") == paused("lunch")
    assert apply(paused("lunch"), PresenceAction.RESUME) == AVAILABLE
    assert apply(paused("lunch"), PresenceAction.SIGN_OUT) == SIGNED_OUT
    assert apply(AVAILABLE, PresenceAction.SIGN_OUT) == SIGNED_OUT
    for state, action in [(AVAILABLE, PresenceAction.SIGN_IN),
                          (paused(), PresenceAction.SIGN_IN),
                          (SIGNED_OUT, PresenceAction.SIGN_OUT),
                          (SIGNED_OUT, PresenceAction.PAUSE),
                          (paused("lunch"), PresenceAction.PAUSE),
                          (AVAILABLE, PresenceAction.RESUME),
                          (SIGNED_OUT, PresenceAction.RESUME)]:
        with pytest.raises(InvalidTransition):
            apply(state, action)


@given(states, actions, reasons)
def test_an_action_either_lands_in_its_target_or_changes_nothing(
        state: State, action: PresenceAction, reason: str) -> None:
    try:
        after = apply(state, action, reason)
    except InvalidTransition as e:
        assert e.current == state and e.action == action
        return
    target = {PresenceAction.SIGN_IN: Presence.AVAILABLE,
              PresenceAction.SIGN_OUT: Presence.SIGNED_OUT,
              PresenceAction.PAUSE: Presence.PAUSED,
              PresenceAction.RESUME: Presence.AVAILABLE}[action]
    assert after.presence is target and after != state
    assert after.reason == (reason if action is PresenceAction.PAUSE else "")


@given(st.lists(st.tuples(actions, reasons), max_size=30), st.sampled_from(["auto", "required"]))
def test_any_sequence_keeps_a_chosen_state(steps: list[tuple[PresenceAction, str]],
                                           mode: str) -> None:
    state = initial(mode)
    for action, reason in steps:
        try:
            state = apply(state, action, reason)
        except InvalidTransition:
            continue
        assert state.presence in (Presence.SIGNED_OUT, Presence.AVAILABLE, Presence.PAUSED)
        assert (state.reason == "") or state.presence is Presence.PAUSED


@given(states)
def test_the_queue_encoding_round_trips(state: State) -> None:
    assert from_queue(*to_queue(state)) == state
    is_paused, _ = to_queue(state)
    # A paused or signed-out agent is a paused queue member: never rung.
    assert is_paused == (state.presence is not Presence.AVAILABLE)


def test_a_member_paused_without_a_reason_is_signed_out() -> None:
    """How `required` members start after Asterisk boots (queues.conf: paused, no reason)."""
    assert from_queue(True, "") == SIGNED_OUT
    assert from_queue(False, "lunch") == AVAILABLE


def test_initial_state_follows_the_sign_in_setting() -> None:
    assert initial("auto") == AVAILABLE and initial("required") == SIGNED_OUT


def test_reason_digits() -> None:
    assert reason_of("1", REASONS) == "lunch" and reason_of("", REASONS) == ""
    with pytest.raises(KeyError):
        reason_of("9", REASONS)


def test_a_state_outside_the_chosen_ones_or_a_reason_without_a_pause_is_refused() -> None:
    with pytest.raises(ValueError):
        State(Presence.ON_CALL)
    with pytest.raises(ValueError):
        State(Presence.AVAILABLE, "lunch")


def test_what_is_shown_over_available() -> None:
    assert shown(AVAILABLE, activity("6")) is Presence.RINGING
    assert shown(AVAILABLE, activity("2")) is Presence.ON_CALL
    assert shown(AVAILABLE, activity("1")) is Presence.AVAILABLE
    # A paused agent on a call (after-call work) stays paused.
    assert shown(paused("lunch"), activity("2")) is Presence.PAUSED
    assert registered("1") and not registered("5") and not registered("4")


stamps = st.builds(Stamped, states, st.floats(1.7e9, 1.8e9).map(lambda t: round(t, 3)),
                   st.sampled_from(list(PresenceVia)))


@given(st.one_of(st.none(), stamps), st.one_of(st.none(), stamps))
def test_the_later_record_wins_and_a_tie_is_the_databases(
        stored: Stamped | None, in_asterisk: Stamped | None) -> None:
    winner = newer(stored, in_asterisk)
    if stored is None or in_asterisk is None:
        assert winner == (stored or in_asterisk)
        return
    assert winner is (in_asterisk if in_asterisk.at > stored.at else stored)


def test_milliseconds_written_by_asterisk_do_not_beat_the_same_change() -> None:
    stored = Stamped(AVAILABLE, 1765000000.1234, PresenceVia.API)
    echoed = Stamped(AVAILABLE, 1765000000.123, PresenceVia.API)
    assert newer(stored, echoed) is stored


@given(stamps)
def test_the_astdb_value_round_trips(stamped: Stamped) -> None:
    """What the bridge writes into AstDB reads back as the same state, in the dialplan's
    format state|reason|time|via."""
    from agents.queue import decode, encode
    assert decode(encode(stamped)) == stamped
    assert encode(stamped).split("|")[0] == stamped.state.presence.value


@pytest.mark.parametrize("value", ["", "paused", "on_call|||phone", "paused|lunch|soon|phone",
                                   "available||1765000000.000|carrier"])
def test_an_unreadable_astdb_value_is_ignored(value: str) -> None:
    from agents.queue import decode
    assert decode(value) is None
