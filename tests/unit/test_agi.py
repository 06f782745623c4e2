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


def headers(arg: str = "") -> bytes:
    lines = ["agi_network: yes", "agi_network_script: route", "agi_uniqueid: 1.1",
             "agi_callerid: 13900000000", f"agi_arg_1: {arg}"]
    return ("\n".join(lines) + "\n\n").encode()


async def converse(port: int, arg: str = "") -> dict[str, str]:
    """Plays Asterisk: sends the request, answers every command with 200, collects variables."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(headers(arg))
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
        got = await converse(port, "2026-10-01T10:00:00+08:00")  # the dialplan's clock hook
        assert got["HOTLINE_ROUTE"] == "holiday" and got["HOTLINE_CLOSED"] == "holiday"
        assert server.decisions == 2
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
    env_block = headers("2026-10-01T10:00:00+08:00").decode().replace("agi_network: yes\n", "")
    answers = "200 result=1\n" * 10
    proc = subprocess.run([sys.executable, str(launcher)], input=env_block + answers,
                          capture_output=True, text=True, timeout=30,
                          env={"HOTLINE_POLICY": str(launcher.with_suffix(".json"))})
    assert proc.returncode == 0, proc.stderr
    sets = dict(shlex.split(line)[2:4]
                for line in proc.stdout.splitlines() if line.startswith("SET VARIABLE"))
    assert sets["HOTLINE_ROUTE"] == "holiday" and sets["HOTLINE_CLOSED"] == "holiday"
    assert "holiday_greeting" in sets["HOTLINE_PROMPTS"]
