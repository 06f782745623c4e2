"""The routing decision over AGI: the FastAGI server (panoramisk) and the pyst2 fallback script,
each driven by a scripted Asterisk over a real socket / pipe."""

from __future__ import annotations

import asyncio
import shlex
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ivr.agi_server import RoutingServer, quote
from pbx.layout import Instance
from pbx.render import install_fallback
from settings import load_settings
from settings.policy import policy_from_settings

SH = ZoneInfo("Asia/Shanghai")


DEMO_PEER = "127.0.0.10:5060"  # the trunk's caller on loopback: in demo.clock_peers by default


def headers(clock: str = "", peer: str = DEMO_PEER, *more: str) -> bytes:
    """The dialplan's request: AGI(agi://.../route,<SIP peer>,<X-Hotline-Clock>)."""
    lines = ["agi_network: yes", "agi_network_script: route", "agi_uniqueid: 1.1",
             "agi_callerid: 13900000000", f"agi_arg_1: {peer}", f"agi_arg_2: {clock}"]
    lines += [f"agi_arg_{n}: {arg}" for n, arg in enumerate(more, start=3)]
    return ("\n".join(lines) + "\n\n").encode()


async def converse(port: int, clock: str = "", peer: str = DEMO_PEER, *more: str
                   ) -> dict[str, str]:
    """Plays Asterisk: sends the request, answers every command with 200, collects variables."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(headers(clock, peer, *more))
    await writer.drain()
    got: dict[str, str] = {}
    while line := await asyncio.wait_for(reader.readline(), 2):
        _, _, rest = line.decode().strip().partition("SET VARIABLE ")
        name, _, value = rest.partition(" ")
        got[name] = value.strip('"')
        writer.write(b"200 result=1\n")
        await writer.drain()
    writer.close()
    return got


async def test_fastagi_sets_the_route_on_the_channel() -> None:
    s = load_settings(environ={})
    clock = lambda: datetime(2026, 11, 23, 10, 0, tzinfo=SH)  # noqa: E731
    server = RoutingServer(policy_from_settings(s, "/p"), clock=clock)
    srv = await server.start("127.0.0.1", 0)
    port = srv.sockets[0].getsockname()[1]
    try:
        got = await converse(port)
        assert got["HOTLINE_ROUTE"] == "agent" and got["HOTLINE_PROMPTS"] == "/p/greeting"
        got = await converse(port, "2026-10-01T10:00:00+08:00")  # this call's own clock
        assert got["HOTLINE_ROUTE"] == "holiday" and got["HOTLINE_CLOSED"] == "holiday"
        assert server.decisions == 2
    finally:
        srv.close()


async def test_a_calls_own_clock_is_honoured_only_from_demo_peers() -> None:
    """Issue 12: X-Hotline-Clock routes its own call only, only from demo.clock_peers; a naive
    time is read in the company's zone; a bad value costs the caller nothing (real clock)."""
    s = load_settings(environ={})
    clock = lambda: datetime(2026, 11, 23, 10, 0, tzinfo=SH)  # noqa: E731  (open)
    server = RoutingServer(policy_from_settings(s, "/p"), clock=clock)
    srv = await server.start("127.0.0.1", 0)
    port = srv.sockets[0].getsockname()[1]
    holiday = "2026-10-01T10:00:00+08:00"
    try:
        assert (await converse(port, holiday, "[::1]:5060"))["HOTLINE_ROUTE"] == "holiday"
        # The carrier (not loopback) cannot move the clock: the real clock routes.
        assert (await converse(port, holiday, "203.0.113.5:5060"))["HOTLINE_ROUTE"] == "agent"
        assert (await converse(port, holiday, ""))["HOTLINE_ROUTE"] == "agent"
        # A comma in the header splits Asterisk's arguments: it cannot pose as the peer.
        got = await converse(port, holiday, "203.0.113.5:5060", DEMO_PEER)
        assert got["HOTLINE_ROUTE"] == "agent"
        # 10:00 in Shanghai is open; read as UTC it would be 18:00, closed.
        assert (await converse(port, "2026-11-23T10:00:00"))["HOTLINE_ROUTE"] == "agent"
        assert (await converse(port, "2026-11-23T20:00:00"))["HOTLINE_ROUTE"] == "after_hours"
        assert (await converse(port, "not-a-time"))["HOTLINE_ROUTE"] == "agent"
        assert server.decisions == 7  # every call got a decision
    finally:
        srv.close()


async def test_demo_peers_are_configuration() -> None:
    s = load_settings(environ={"HOTLINE_DEMO__CLOCK_PEERS": "[]"})
    server = RoutingServer(policy_from_settings(s, "/p"),
                           clock=lambda: datetime(2026, 11, 23, 10, 0, tzinfo=SH))
    srv = await server.start("127.0.0.1", 0)
    try:
        got = await converse(srv.sockets[0].getsockname()[1], "2026-10-01T10:00:00+08:00")
        assert got["HOTLINE_ROUTE"] == "agent"
    finally:
        srv.close()


async def test_fastagi_survives_clients_that_send_nothing() -> None:
    """panoramisk's own handler spins at 100% CPU on these; ours returns."""
    s = load_settings(environ={})
    server = RoutingServer(policy_from_settings(s, "/p"), timeout=0.5)
    srv = await server.start("127.0.0.1", 0)
    port = srv.sockets[0].getsockname()[1]
    try:
        for _ in range(5):  # port scans and health checks: connect, close
            _, w = await asyncio.open_connection("127.0.0.1", port)
            w.close()
        _, idle = await asyncio.open_connection("127.0.0.1", port)  # connects, says nothing
        cpu = time.process_time()
        await asyncio.sleep(0.7)
        assert time.process_time() - cpu < 0.3
        got = await converse(port, "2026-11-23T10:00:00+08:00")
        assert got["HOTLINE_ROUTE"] == "agent"
        idle.close()
    finally:
        srv.close()


def test_quote_escapes_for_agi() -> None:
    assert quote('a "b" \\c') == '"a \\"b\\" \\\\c"'


def test_pyst2_fallback_script_makes_the_same_decision(tmp_path: Path) -> None:
    s = load_settings(environ={"HOTLINE_STORAGE__ASTERISK_ROOT": str(tmp_path / "root")})
    instance = Instance.of(s)
    launcher = install_fallback(s, instance)
    # Inside the root it runs at /srv/hotline/...; here we point its paths at the copy.
    code = launcher.read_text().replace("/srv/", str(instance.root) + "/srv/")
    launcher.write_text(code)

    def route(clock: str, peer: str = DEMO_PEER) -> tuple[dict[str, str], str]:
        env_block = headers(clock, peer).decode().replace("agi_network: yes\n", "")
        answers = "200 result=1\n" * 10
        proc = subprocess.run([sys.executable, str(launcher)], input=env_block + answers,
                              capture_output=True, text=True, timeout=30,
                              env={"HOTLINE_POLICY": str(launcher.with_suffix(".json"))})
        assert proc.returncode == 0, proc.stderr
        return dict(shlex.split(line)[2:4] for line in proc.stdout.splitlines()
                    if line.startswith("SET VARIABLE")), proc.stdout

    sets, _ = route("2026-10-01T10:00:00+08:00")
    assert sets["HOTLINE_ROUTE"] == "holiday" and sets["HOTLINE_CLOSED"] == "holiday"
    assert "holiday_greeting" in sets["HOTLINE_PROMPTS"]
    # The same peer check as the bridge's: from the carrier the header is ignored.
    carrier, said = route("2026-10-01T10:00:00+08:00", "203.0.113.5:5060")
    assert carrier["HOTLINE_ROUTE"]  # decided, by the real clock
    assert "X-Hotline-Clock from 203.0.113.5:5060 ignored" in said
