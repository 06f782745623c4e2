"""The typed AMI actions against the real Asterisk: what a feature does through them is what
Asterisk then reports, and a refusal is an AmiError, not a silent no-op."""

from __future__ import annotations

import pytest

from ivr.ami_actions import AmiError, queue_add, queue_pause, queue_remove, queue_status
from tests.telephony.conftest import Hotline

pytestmark = pytest.mark.asterisk

# An agent the test configuration does not have: added, paused and removed by the test only.
MEMBER = "Local/1099@hotline-agent-dial/n"


def _member(hotline: Hotline) -> dict[str, str] | None:
    members = hotline.ami.act(queue_status(hotline.ami.ami, "hotline"))
    return next((m for m in members if m.get("Location") == MEMBER), None)


def test_queue_member_added_paused_and_removed(hotline: Hotline) -> None:
    ami = hotline.ami
    configured = {m["Name"] for m in ami.act(queue_status(ami.ami, "hotline"))}
    assert {"1001", "1002"} <= configured  # the configured agents, as QueueStatus names them
    try:
        mark = ami.mark()
        ami.act(queue_add(ami.ami, "hotline", MEMBER, member_name="1099", paused=False))
        ami.wait_for(mark, lambda e: e.get("Event") == "QueueMemberAdded"
                     and e.get("Interface") == MEMBER, timeout=10)
        member = _member(hotline)
        assert member is not None and member["Name"] == "1099" and member["Paused"] == "0"

        mark = ami.mark()
        ami.act(queue_pause(ami.ami, "hotline", MEMBER, True, "lunch"))
        paused = ami.wait_for(mark, lambda e: e.get("Event") == "QueueMemberPause"
                              and e.get("Interface") == MEMBER, timeout=10)
        assert paused["Paused"] == "1" and paused.get("PausedReason", paused.get("Reason")) \
            == "lunch"
        member = _member(hotline)
        assert member is not None and member["Paused"] == "1"
    finally:
        ami.act(queue_remove(ami.ami, "hotline", MEMBER))
    assert _member(hotline) is None

    with pytest.raises(AmiError, match="QueueRemove refused"):
        ami.act(queue_remove(ami.ami, "hotline", MEMBER))
