"""Agents' outbound calls (issue 13, the "Doors" item): the [outbound] rules as configured and
rendered into the dialplan, the tracker's record of a permitted and of a refused call, and the
refusal counter. (The same through the real Asterisk: tests/telephony/test_outbound.py.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import REGISTRY
from pydantic import ValidationError

from calls.outbound import count_refusal
from calls.tracker import CallTracker
from domain.dialpattern import allowed, pattern_regex
from pbx.layout import Instance
from pbx.prompts import prompt_texts
from pbx.render import render_config
from settings import load_settings
from settings.schema import Outbound

L = "1700000000.7"
DEFAULTS = Outbound().allowed


def ev(name: str, ts: float, uid: str = L, **fields: str) -> dict[str, Any]:
    return {"Event": name, "Timestamp": str(1700000000 + ts), "Uniqueid": uid, "Linkedid": L,
            **fields}


def feed_all(events: list[dict[str, Any]]) -> list:
    tracker = CallTracker()
    out = [r for e in events if (r := tracker.feed(e, 0.0)) is not None]
    assert not tracker.calls
    return out


def agent_dials(number: str) -> list[dict[str, Any]]:
    return [ev("Newchannel", 0.0, Channel="PJSIP/1001-1", CallerIDNum="1001", Exten=number)]


# -- the default rules -------------------------------------------------------------------------
@pytest.mark.parametrize("number", ["13812345678", "19900000000", "01012345678", "0755123456",
                                    "075512345678"])
def test_default_rules_allow_domestic_mobiles_and_landlines(number: str) -> None:
    assert allowed(number, DEFAULTS)


@pytest.mark.parametrize("number", ["0044207946000", "00882161234567", "123456", "110",
                                    "12345678901", "1381234567", "138123456789", "4008001234",
                                    "0012025550100", "+8613812345678"])
def test_default_rules_refuse_international_short_and_service_numbers(number: str) -> None:
    assert not allowed(number, DEFAULTS)


@given(st.from_regex(r"00[0-9]{4,16}", fullmatch=True))
def test_no_international_prefix_ever_passes_the_defaults(number: str) -> None:
    assert not allowed(number, DEFAULTS)


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_every_domestic_mobile_passes_the_defaults(number: str) -> None:
    assert allowed(number, DEFAULTS)


def test_pattern_reading() -> None:
    assert pattern_regex("_0[1-9]XX.").fullmatch("0101234")
    assert not pattern_regex("_0[1-9]XX.").fullmatch("010")
    assert pattern_regex("_NZX").fullmatch("210") and not pattern_regex("_NZX").fullmatch("100")


@pytest.mark.parametrize("bad", ["1[3-9]XXX", "_1[3-9", "_X.X", "_X;Dial(x)", "_", "_X!",
                                 "_X\n", "_X,1,Dial(x)", "_X", "_X."])
def test_a_pattern_that_is_not_digits_is_refused_at_start(bad: str) -> None:
    with pytest.raises(ValidationError, match="allowed"):
        Outbound(allowed=[bad])


# -- configuration and rendering ---------------------------------------------------------------
def _settings(tmp_path: Path, extra: str = "") -> Any:
    config = tmp_path / "hotline.toml"
    config.write_text('[[agents]]\nnumber = "1001"\nname = "张三"\npassword = "s3cret-1001"\n'
                      'outbound = true\n'
                      '[[agents]]\nnumber = "1002"\nname = "李四"\npassword = "s3cret-1002"\n'
                      + extra, encoding="utf-8")
    return load_settings(config, environ={
        "HOTLINE_STORAGE__ASTERISK_ROOT": str(tmp_path / "root")})


def test_outbound_is_off_unless_an_agent_opts_in(tmp_path: Path) -> None:
    s = _settings(tmp_path)
    assert [a.outbound for a in s.agents] == [True, False]
    assert s.outbound.allowed == DEFAULTS


def test_rules_are_rendered_into_from_agents(tmp_path: Path) -> None:
    s = _settings(tmp_path, '[outbound]\nallowed = ["_1[3-9]XXXXXXXXX"]\nring_timeout = 40\n')
    render_config(s, Instance.of(s))
    conf = (Instance.of(s).etc / "extensions.conf").read_text(encoding="utf-8")
    agents = conf[conf.index("[from-agents]"):conf.index("[hotline-outbound]")]
    assert "exten => _1[3-9]XXXXXXXXX,1,Goto(hotline-outbound,${EXTEN},1)" in agents
    assert "_0[1-9]" not in agents  # only the configured patterns go out
    assert "_XXXXX." not in conf  # the old open door
    assert "exten => 1001,1,Dial(PJSIP/1001," in agents  # colleagues as before
    assert "Goto(hotline-outbound-refused,s,1)" in agents  # everything else
    assert "HOTLINE_OUTBOUND_1001 = yes" in conf and "HOTLINE_OUTBOUND_1002" not in conf
    assert "Dial(PJSIP/${EXTEN}@trunk,40," in conf
    assert "UserEvent(HotlineOutboundRefused," in conf and "UserEvent(HotlineOutbound," in conf


def test_refusal_prompt_has_a_default_and_is_rendered(tmp_path: Path) -> None:
    texts = prompt_texts(_settings(tmp_path))
    assert texts["outbound_refused"][0] == "此号码不允许外呼。"
    custom = prompt_texts(_settings(tmp_path, '[prompts]\noutbound_refused = "不能外呼"\n'))
    assert custom["outbound_refused"][0] == "不能外呼"


# -- the tracker -------------------------------------------------------------------------------
def test_permitted_outbound_call_is_recorded_as_answered_with_talk_time() -> None:
    trunk = "1700000000.8"
    events = [*agent_dials("13812345678"),
              ev("UserEvent", 0.1, UserEvent="HotlineOutbound", Agent="1001",
                 Number="13812345678", Call=L),
              ev("Newchannel", 0.2, uid=trunk, Channel="PJSIP/trunk-2",
                 CallerIDNum="4008001234"),
              ev("UserEvent", 0.3, uid=trunk, UserEvent="HotlineRecording",
                 File=f"hotline/{L}.raw"),
              ev("Newstate", 3.0, uid=trunk, ChannelStateDesc="Up"),
              ev("DialEnd", 3.0, DialStatus="ANSWER"),
              ev("Newstate", 3.01, ChannelStateDesc="Up"),
              ev("HangupRequest", 12.0),
              ev("Hangup", 12.0, Cause="16", **{"Cause-txt": "Normal Clearing"}),
              ev("Hangup", 12.1, uid=trunk, Cause="16")]
    [r] = feed_all(events)
    assert r.direction == "outbound" and r.route == "outbound"
    assert r.disposition == "answered" and r.talk_seconds == pytest.approx(9.1, abs=0.01)
    assert r.agent == "1001" and r.caller == "1001" and r.called == "13812345678"
    assert r.recording_file == f"hotline/{L}.raw" and r.hangup_by == "caller"
    assert r.queued_at is None and r.wait_seconds is None  # nobody queued


def test_outbound_call_nobody_answered_is_missed() -> None:
    events = [*agent_dials("13812345678"),
              ev("UserEvent", 0.1, UserEvent="HotlineOutbound", Agent="1001",
                 Number="13812345678"),
              ev("DialEnd", 30.0, DialStatus="NOANSWER"),
              ev("Hangup", 30.1, Cause="16")]
    [r] = feed_all(events)
    assert r.direction == "outbound" and r.disposition == "missed" and r.talk_seconds == 0


def test_refused_outbound_call_is_recorded_as_refused() -> None:
    events = [*agent_dials("0044207946000"),
              ev("UserEvent", 0.1, UserEvent="HotlineOutboundRefused", Agent="1001",
                 Number="0044207946000", Reason="number_not_allowed"),
              ev("Hangup", 3.0, Cause="21", **{"Cause-txt": "Call Rejected"})]
    [r] = feed_all(events)
    assert r.direction == "outbound" and r.route == "outbound" and r.disposition == "refused"
    assert r.agent == "1001" and r.called == "0044207946000" and r.talk_seconds == 0
    assert r.recording_file is None  # never answered, nothing recorded


# -- the counter -------------------------------------------------------------------------------
def _count(reason: str) -> float:
    return REGISTRY.get_sample_value("hotline_outbound_refused_total", {"reason": reason}) or 0.0


def test_refusals_are_counted_by_reason() -> None:
    before = {r: _count(r) for r in ("agent_not_permitted", "number_not_allowed")}
    count_refusal({"Event": "UserEvent", "UserEvent": "HotlineOutboundRefused",
                   "Reason": "agent_not_permitted", "Agent": "1002", "Number": "13812345678"})
    count_refusal({"Event": "UserEvent", "UserEvent": "HotlineOutboundRefused",
                   "Reason": "number_not_allowed", "Agent": "1001", "Number": "0044"})
    count_refusal({"Event": "UserEvent", "UserEvent": "HotlineOutbound", "Agent": "1001"})
    assert _count("agent_not_permitted") == before["agent_not_permitted"] + 1
    assert _count("number_not_allowed") == before["number_not_allowed"] + 1
