"""The benchmarks' pure parts (bench/): percentiles, ratios of interleaved runs, the native
baseline's dialplan, and SIP timings read from a pcap."""

from __future__ import annotations

import math
import struct
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from aggregate import percentile, ratios, summary
from sip_capture import agent_answers, call_timings, read_pcap

samples = st.lists(st.floats(min_value=0, max_value=1e6), min_size=1, max_size=50)


@given(samples, st.floats(min_value=0, max_value=100))
def test_percentile_lies_within_the_samples(values: list[float], q: float) -> None:
    assert min(values) <= percentile(values, q) <= max(values)


@given(samples)
def test_percentile_ends_are_min_and_max(values: list[float]) -> None:
    assert (percentile(values, 0), percentile(values, 100)) == (min(values), max(values))


def test_percentile_interpolates_like_numpy() -> None:
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([10, 20, 30, 40, 50], 95) == pytest.approx(48.0)
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError):
        percentile([1], 101)


def test_ratios_pair_runs_in_order_and_skip_missing_baselines() -> None:
    got = ratios([2.0, 3.0, 4.0, 5.0], [1.0, 3.0, 0.0, 2.0])
    assert got == {"runs": 3, "skipped": 1, "min": 1.0, "median": 2.0, "max": 2.5}
    assert summary([3.0, 1.0, 2.0])["p50"] == 2.0


def test_native_dialplan_replaces_only_the_fastagi_step() -> None:
    from load_rig import native_dialplan
    text = ("exten => 1,1,Answer()\n same => n,AGI(${HOTLINE_AGI},${HOTLINE_PEER},${HOTLINE_AT})\n"
            " same => n,GotoIf($[\"${HOTLINE_ROUTE}\" != \"\"]?routed)\n")
    native = native_dialplan(text, "/srv/hotline/x")
    assert "HOTLINE_AGI" not in native
    assert " same => n,Set(HOTLINE_PROMPTS=/srv/hotline/x/prompts/greeting)\n" in native
    assert native.endswith(' same => n,GotoIf($["${HOTLINE_ROUTE}" != ""]?routed)\n')
    with pytest.raises(RuntimeError):
        native_dialplan("exten => 1,1,Answer()\n", "/x")


def _pcap(packets: list[tuple[float, int, int, str]]) -> bytes:
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    for at, sport, dport, text in packets:
        payload = text.replace("\n", "\r\n").encode()
        udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                         bytes([127, 0, 0, 10]), bytes([127, 0, 0, 1])) + udp
        frame = b"\0" * 12 + b"\x08\x00" + ip
        sec, usec = int(at), round((at - int(at)) * 1e6)
        out += struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame
    return out


def test_answer_latency_and_hangup_from_a_capture() -> None:
    invite = ("INVITE sip:4008001234@127.0.0.1:5060 SIP/2.0\nFrom: <sip:1310010@127.0.0.10:4000>"
              ";tag=1\nCall-ID: c1\nCSeq: 1 INVITE\n\n")
    to_agent = ("INVITE sip:1001@127.0.0.61:7000 SIP/2.0\nFrom: <sip:x@h>\nCall-ID: a1\n"
                "CSeq: 1 INVITE\n\n")
    ok = "SIP/2.0 200 OK\nCall-ID: c1\nCSeq: 1 INVITE\n\n"
    bye = "BYE sip:4008001234@127.0.0.1 SIP/2.0\nCall-ID: c1\nCSeq: 2 BYE\n\n"
    packets = read_pcap(_pcap([(100.0, 4000, 5060, invite), (100.001, 5060, 7000, to_agent),
                               (100.0025, 5060, 4000, ok), (131.5, 4000, 5060, bye)]))
    timings = call_timings(packets, 5060)
    assert agent_answers(packets, 5060) == 0  # the agent's phone has not answered
    agent_ok = "SIP/2.0 200 OK\nCall-ID: a1\nCSeq: 1 INVITE\n\n"
    assert agent_answers(read_pcap(_pcap([(100.2, 7000, 5060, agent_ok)])), 5060) == 1
    assert list(timings) == ["c1"]  # Asterisk's own INVITE to the agent is not a caller's call
    call = timings["c1"]
    assert call.caller == "1310010" and call.bye_at == pytest.approx(131.5)
    assert call.answer_ms == pytest.approx(2.5, abs=0.01)
