"""Issue 12: a call record agrees with itself. The queue's Local legs carry the caller's
number, not `<unknown>`; each leg's cause is resolved the way the call's is, so the caller's
leg and the call say the same; ring attempts are served as ISO 8601 (tests/api)."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from calls.tracker import Q850
from tests.unit.test_callflow import DATA, caller_leg, ev, feed_all


def test_captured_call_legs_carry_the_caller_and_agree_on_the_cause() -> None:
    events = json.loads((DATA / "answered_call_events.json").read_text(encoding="utf-8"))
    [r] = feed_all(events)
    legs = {leg.channel: leg for leg in r.legs}
    local = [leg for name, leg in legs.items() if name.startswith("Local/")]
    assert len(local) == 2 and all(leg.caller == "13900001111" for leg in local)
    assert not any(leg.caller in ("", "<unknown>") for leg in r.legs)
    assert legs["PJSIP/1001-00000001"].caller == "1001"  # what Asterisk said is kept
    caller_leg_ = next(leg for leg in r.legs if leg.uniqueid == r.linkedid)
    assert caller_leg_.cause_text == r.hangup_cause == "Normal Clearing"


@given(st.sampled_from(sorted(Q850)), st.sampled_from(sorted(Q850)))
def test_every_leg_resolves_an_unknown_cause_from_its_own_soft_hangup(caller_cause: int,
                                                                     agent_cause: int) -> None:
    agent = "1700000000.2"
    events = [*caller_leg(),
              ev("Newchannel", 5.0, uid=agent, Channel="PJSIP/1001-2", CallerIDNum="<unknown>"),
              ev("SoftHangupRequest", 9.0, uid=agent, Cause=str(agent_cause)),
              ev("Hangup", 9.1, uid=agent, Cause="0", **{"Cause-txt": "Unknown"}),
              ev("SoftHangupRequest", 10.0, Cause=str(caller_cause)),
              ev("Hangup", 10.1, Cause="0", **{"Cause-txt": "Unknown"})]
    [r] = feed_all(events)
    first, second = r.legs
    assert (first.cause, first.cause_text) == (caller_cause, Q850[caller_cause])
    assert r.hangup_cause == first.cause_text
    assert (second.cause, second.cause_text) == (agent_cause, Q850[agent_cause])
    assert second.caller == "13900000000"


def test_a_known_cause_is_kept_as_asterisk_said_it() -> None:
    [r] = feed_all([*caller_leg(), ev("SoftHangupRequest", 1.0, Cause="16"),
                    ev("Hangup", 1.1, Cause="17", **{"Cause-txt": "User busy"})])
    assert (r.legs[0].cause, r.legs[0].cause_text, r.hangup_cause) == (
        17, "User busy", "User busy")
