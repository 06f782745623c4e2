"""The two sides of the load benchmark, started side by side on one Asterisk root: the full
product (`python -m hotline up`) and the native baseline (the same rendered configuration, the
FastAGI/AGI steps replaced by the same decision in pure dialplan, no bridge attached), each with
a floor of single-line agents answered by one SIPp process; and what is read from them (CPU
from /proc, RTP loss from Asterisk's RTPAUDIOQOS at hangup)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from callsim import tone
from hotline.service import prepare
from ivr.ami import AmiClient
from pbx.layout import Instance
from pbx.process import Asterisk
from settings import Settings, load_settings

PROJECT = Path(__file__).resolve().parents[1]
SCENARIOS = Path(__file__).resolve().parent / "scenarios"
HOTLINE_NUMBER = "4008001234"
TRUNK = "127.0.0.10"
AGENT_TONE, CALLER_TONE = 1400.0, 600.0
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port(kind: int = socket.SOCK_STREAM, host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def bench_config(work: Path, agents: int) -> Path:
    """One configuration for both sides: `agents` agents (1001...), working hours every
    weekday, short prompts, a queue that keeps callers waiting rather than sending them to
    voicemail (max_wait 120 s)."""
    lines = ['[company]', 'name = "测试科技"', 'timezone = "Asia/Shanghai"', '',
             '[hotline]', f'number = "{HOTLINE_NUMBER}"', '', '[hours]']
    lines += [f'{day} = ["09:00-18:00"]' for day in ("mon", "tue", "wed", "thu", "fri")]
    lines += ['', '[queue]', 'ring_timeout = 15', 'max_wait = 120', 'strategy = "rrmemory"',
              'retry = 1', '']
    for n in range(agents):
        lines += ['[[agents]]', f'number = "{1001 + n}"', f'name = "坐席{1001 + n}"',
                  f'password = "bench-{1001 + n}"', '']
    # Secrets of the bench's own (the service refuses to start on the example values).
    lines += ['[[supervisors]]', 'number = "9001"', 'name = "质检"',
              'password = "bench-9001"', '']
    lines += ['[ami]', 'secret = "bench-ami-secret"',
              'originate_secret = "bench-originate-secret"', '', '[api]',
              'tokens = { "bench-qa-0123456789" = "qa" }', '',
              '[prompts]', 'greeting = "您好"', 'agent_intro = "{agent}号"', '']
    path = work / "bench.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def side_env(work: Path, name: str, rtp_start: int) -> dict[str, str]:
    base = work / name
    return {
        "HOTLINE_SIP__BIND": f"127.0.0.1:{free_port(socket.SOCK_DGRAM)}",
        "HOTLINE_SIP__TRUNK_HOSTS": f'["{TRUNK}"]',
        "HOTLINE_SIP__RTP_START": str(rtp_start),
        "HOTLINE_SIP__RTP_END": str(rtp_start + 1999),
        "HOTLINE_AMI__BIND": f"127.0.0.1:{free_port()}",
        "HOTLINE_AGI__BIND": f"127.0.0.1:{free_port()}",
        "HOTLINE_API__BIND": f"127.0.0.1:{free_port()}",
        "HOTLINE_STORAGE__DATABASE_URL": f"sqlite:///{base}/calls.db",
        "HOTLINE_STORAGE__RECORDINGS_DIR": str(base / "recordings"),
        "HOTLINE_STORAGE__SPOOL_DIR": str(base / "spool"),
        "HOTLINE_STORAGE__ASTERISK_ROOT": str(PROJECT / "var" / "asterisk"),
        "HOTLINE_STORAGE__ASTERISK_INSTANCE": f"bench-{name}",
        "HOTLINE_STORAGE__MIN_FREE_MB": "1",
    }


# The product's dialplan asks the bridge (FastAGI) where the call goes; the baseline sets what
# the bridge answers for a working-hours call, in dialplan: the same four channel variables
# (domain.routing.Decision.channel_variables), no network round trip.
_FASTAGI_STEP = re.compile(r"^ same => n,AGI\(\$\{HOTLINE_AGI\}.*$", re.MULTILINE)


def native_dialplan(extensions: str, inner: str) -> str:
    native = (f" same => n,Set(HOTLINE_ROUTE=agent)\n"
              f" same => n,Set(HOTLINE_PROMPTS={inner}/prompts/greeting)\n"
              f" same => n,Set(HOTLINE_FORWARD=)\n"
              f" same => n,Set(HOTLINE_CLOSED=)")
    replaced, count = _FASTAGI_STEP.subn(native, extensions)
    if count != 1:
        raise RuntimeError(f"expected one FastAGI step in extensions.conf, found {count}")
    return replaced


def cpu_ticks(pid: int) -> int:
    """utime + stime of one process, in clock ticks."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def tree(pid: int, exclude: set[int]) -> list[int]:
    """pid and its descendants, leaving out the subtrees of `exclude`."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        if p in exclude:
            continue
        found.append(p)
        todo += children.get(p, [])
    return found


# The bridge's login may not read the dialplan class (issue 13's least privilege), so VarSet
# never reached the bench on it and every run counted 0 packets (and 0 lost). The bench adds a
# login of its own to each side's rendered manager.conf (the same on both sides).
QOS_LOGIN = ("bench-qos", "bench-qos-secret")


def add_qos_login(side: Side) -> None:
    manager = side.instance.etc / "manager.conf"
    text = manager.read_text()
    if f"[{QOS_LOGIN[0]}]" not in text:
        manager.write_text(text + f"\n; bench/load_rig.py: RTP quality at hangup\n"
                                  f"[{QOS_LOGIN[0]}]\nsecret = {QOS_LOGIN[1]}\n"
                                  "deny = 0.0.0.0/0.0.0.0\npermit = 127.0.0.0/255.0.0.0\n"
                                  "read = dialplan\nwrite = system\n")
    side.cli("manager reload")


class RtpQuality:
    """Asterisk's own RTP statistics of every channel at hangup (VarSet RTPAUDIOQOS, filtered
    on Asterisk's side): packets received and lost. One AMI login per side, the same on both."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings.model_copy(update={"ami": settings.ami.model_copy(update={
            "username": QOS_LOGIN[0], "secret": QOS_LOGIN[1]})})
        self.received = self.lost = self.channels = 0
        self.lock = threading.Lock()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.ami: AmiClient = self._run(self._connect())

    def _run(self, coro: Any, timeout: float = 20) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def _connect(self) -> AmiClient:
        ami = AmiClient(self.settings.ami, events="dialplan")
        ami.register_event("VarSet", self._on_varset)
        ami.connect()
        await ami.wait_login(timeout=15)
        await ami.action({"Action": "Filter", "Operation": "Add",
                          "Filter": "Variable: RTPAUDIOQOS"})
        return ami

    def _on_varset(self, _m: Any, event: Any) -> None:
        if event.get("Variable") != "RTPAUDIOQOS":
            return
        stats = dict(part.split("=", 1) for part in str(event.get("Value", "")).split(";")
                     if "=" in part)
        with self.lock:
            self.channels += 1
            self.received += int(float(stats.get("rxcount", 0)))
            self.lost += max(0, int(float(stats.get("lp", 0))))

    def reading(self) -> tuple[int, int, int]:
        with self.lock:
            return self.channels, self.received, self.lost

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.ami.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)


@dataclass
class Floor:
    """`agents` single-line endpoints, each registered on its own, all answered by one SIPp."""
    ip: str
    port: int
    proc: subprocess.Popen[bytes] | None = None

    def start(self, sip: str, agents: int, work: Path, audio: Path) -> None:
        work.mkdir(parents=True, exist_ok=True)
        users = work / "agents.csv"
        users.write_text("SEQUENTIAL\n" + "".join(
            f"{1001 + n};[authentication username={1001 + n} password=bench-{1001 + n}];\n"
            for n in range(agents)))
        register = subprocess.run(
            ["sipp", sip, "-sf", str(SCENARIOS / "register.xml"), "-inf", str(users),
             "-i", self.ip, "-p", str(self.port), "-m", str(agents), "-r", "50", "-l", "20",
             "-nostdin", "-timeout", "60s", "-timeout_error", "-trace_err", "-trace_msg"],
            cwd=work, capture_output=True, timeout=90)
        if register.returncode != 0:
            raise RuntimeError(f"agents did not register: {register.stdout[-600:]!r}")
        scenario = work / "agent.xml"
        scenario.write_text((SCENARIOS / "agent.xml").read_text().replace("[audio]", str(audio)))
        self.proc = subprocess.Popen(
            ["sipp", sip, "-sf", str(scenario), "-i", self.ip, "-p", str(self.port),
             "-mi", self.ip, "-mp", str(free_port(socket.SOCK_DGRAM, self.ip)), "-nostdin",
             "-bind_local", "-trace_err", "-max_socket", "2000",
             # SIPp's default cap on simultaneous calls (3 x rate x duration: ~30 for a UAS)
             # would leave the rest of the floor ringing unanswered.
             "-l", "5000"],
            cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGUSR1)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


@dataclass
class Side:
    name: str  # "product", "native", or "before" (the product from another checkout)
    settings: Settings
    instance: Instance
    floor: Floor
    work: Path
    service: subprocess.Popen[bytes] | None = None
    asterisk: Asterisk | None = None
    rtp: RtpQuality | None = None
    api: httpx.Client | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    project: Path = PROJECT  # the checkout `hotline up` runs from (cwd: `python -m` imports it)

    @property
    def bridged(self) -> bool:
        """The side runs the bridge (the product, from this checkout or another)."""
        return self.name != "native"

    @property
    def sip(self) -> str:
        return self.settings.sip.bind

    @property
    def sip_port(self) -> int:
        return int(self.sip.rpartition(":")[2])

    def asterisk_pid(self) -> int:
        return int((self.instance.run / "asterisk.pid").read_text().strip())

    def bridge_pids(self) -> list[int]:
        if self.service is None:
            return []
        return tree(self.service.pid, exclude={self.asterisk_pid()})

    def cpu(self) -> tuple[int, int]:
        """CPU ticks so far of Asterisk and of the bridge (the `hotline up` process and any
        children but Asterisk; 0 for the native side)."""
        bridge = 0
        for pid in self.bridge_pids():
            try:
                bridge += cpu_ticks(pid)
            except OSError:
                pass
        return cpu_ticks(self.asterisk_pid()), bridge

    def start(self, config: Path, agents: int) -> None:
        audio = tone(AGENT_TONE, self.work)
        if self.bridged:
            log = (self.work / "service.log").open("ab")
            self.service = subprocess.Popen(
                [sys.executable, "-m", "hotline", "up", "-c", str(config)],
                env={**os.environ, **self.env}, stdout=log, stderr=subprocess.STDOUT,
                cwd=self.project)
            self.api = httpx.Client(base_url=f"http://{self.settings.api.bind}", timeout=10,
                                    headers={"Authorization": "Bearer bench-qa-0123456789"})
            deadline = time.monotonic() + 300  # 2 x agents prompts rendered on a first run
            while True:
                try:
                    if self.api.get("/health").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if self.service.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the product did not start; see {self.work}/service.log")
                time.sleep(0.3)
        else:
            prepare(self.settings, progress=lambda _m: None, build_root=False)
            extensions = self.instance.etc / "extensions.conf"
            extensions.write_text(native_dialplan(extensions.read_text(), self.instance.inner))
            self.asterisk = Asterisk(self.instance, self.settings.ami)
            self.asterisk.start()
            asyncio.run(self.asterisk.wait_booted(timeout=60))
        self.floor.start(self.sip, agents, self.work / "floor", audio)
        self.wait_floor(agents)
        add_qos_login(self)
        self.rtp = RtpQuality(self.settings)

    env: dict[str, str] = field(default_factory=dict)

    def cli(self, command: str) -> str:
        return Asterisk(self.instance, self.settings.ami).cli(command)

    def wait_floor(self, agents: int, timeout: float = 60) -> None:
        """Every agent's phone reachable in the queue (registration's device state reaches
        app_queue a moment after the 200 OK)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.cli("queue show hotline")
            if shown.count("(Not in use)") >= agents:
                return
            time.sleep(0.5)
        raise RuntimeError(f"{self.name}: not every agent reachable in {timeout} s: "
                           f"{shown[-400:]}")

    def stop(self) -> None:
        if self.rtp is not None:
            self.rtp.close()
        self.floor.stop()
        if self.service is not None and self.service.poll() is None:
            self.service.send_signal(signal.SIGINT)
            try:
                self.service.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.service.kill()
                self.service.wait(timeout=10)
        if self.asterisk is not None:
            self.asterisk.stop(timeout=10)


def make_side(name: str, work: Path, config: Path, rtp_start: int, floor_ip: str,
              project: Path = PROJECT) -> Side:
    env = side_env(work, name, rtp_start)
    settings = load_settings(config, environ=env)
    side = Side(name, settings, Instance.of(settings),
                Floor(floor_ip, free_port(socket.SOCK_DGRAM, floor_ip)), work / name,
                project=project)
    side.env = env
    side.work.mkdir(parents=True, exist_ok=True)
    tone(CALLER_TONE, side.work)
    return side
