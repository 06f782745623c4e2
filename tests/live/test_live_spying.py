"""The pure rules of live listening (R18): which modes a role may use, and which of Asterisk's
channels is an agent's call to listen to."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from domain.status import LiveMode
from live.spying import agent_call, mode_allowed

AGENTS = st.from_regex(r"[0-9]{2,6}", fullmatch=True)


def _channel(name: str, bridged: bool = True, state: str = "Up",
             linkedid: str = "1700.1") -> dict[str, str]:
    return {"Channel": name, "ChannelStateDesc": state, "Linkedid": linkedid,
            **({"BridgeId": "b-1"} if bridged else {})}


def test_qa_only_listens_supervisors_and_admins_do_anything() -> None:
    assert [m for m in LiveMode if mode_allowed("qa", m)] == [LiveMode.LISTEN]
    for role in ("supervisor", "admin"):
        assert all(mode_allowed(role, m) for m in LiveMode)
    for role in ("ticket", "agent:1001", ""):
        assert not any(mode_allowed(role, m) for m in LiveMode)


def test_only_a_bridged_channel_that_is_up_is_a_call() -> None:
    assert agent_call([_channel("PJSIP/1001-00000001", bridged=False)], "1001") is None
    assert agent_call([_channel("PJSIP/1001-00000001", state="Ringing")], "1001") is None
    assert agent_call([_channel("Local/1001@hotline-agent-dial-00000000;2")], "1001") is None
    found = agent_call([_channel("PJSIP/trunk-00000000", linkedid="9.9"),
                        _channel("PJSIP/1001-00000003", linkedid="1700.1")], "1001")
    assert found is not None
    assert (found.channel, found.linkedid) == ("PJSIP/1001-00000003", "1700.1")


@given(AGENTS, AGENTS)
def test_another_agents_channel_never_matches(agent: str, other: str) -> None:
    """Agent 100 must not spy on agent 1001 (a prefix of its number)."""
    channels = [_channel(f"PJSIP/{other}-0000000a")]
    found = agent_call(channels, agent)
    assert (found is not None) == (agent == other)
