"""`hotline demo-call`: one simulated call against the running service, so a newcomer without a
SIP phone sees the whole path: a SIPp caller speaking on the trunk, a SIPp agent phone that
registers with the first agent's credentials, answers and talks; then the call record.

`--at` routes this call only as if it were that time (the X-Hotline-Clock header on its INVITE,
accepted from demo.clock_peers), never any other caller (issue 12)."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import soundfile as sf

from callsim import AgentPhone, SippError, place_call, speech
from callsim.peers import free_port, utterance
from domain.policy import CLOCK_HEADER, parse_clock_override, peer_in
from pbx.layout import Instance
from recordings.storage import relative_target
from settings import Settings

AGENT_IP = "127.0.0.201"
CALLER = "13800138000"
AT_EXAMPLE = "2026-11-23T10:00:00"  # a Monday morning: in working hours by default
# What the demo's parties say, in turns (espeak-ng, like the prompts), so the recording's
# speech seconds and talk ratio look like a conversation's rather than two tones'.
AGENT_SAYS = "好的，请告诉我您的订单号。"
CALLER_SAYS = "你好，我想查一下我的订单。"
TURN_GAP = 1.0  # seconds of silence between one party's words and the other's
RING_SECONDS = 1.0  # the queue reaching the phone, plus its one ring (callsim agent_uas.xml)


class DemoError(RuntimeError):
    """What stopped the demo, in one line, with what to do about it."""


def call_time(settings: Settings, at: str) -> datetime | None:
    """`--at` as an aware time, checked before anything is placed: a time without an offset is
    read in the company's time zone; anything else is refused with an example."""
    if not at.strip():
        return None
    zone = settings.company.timezone
    try:
        when = parse_clock_override(at, ZoneInfo(zone))
    except ValueError:
        raise DemoError(f"--at {at!r} is not a time: write it like {AT_EXAMPLE} (read in "
                        f"{zone}) or {AT_EXAMPLE}+08:00") from None
    caller_ip = settings.sip.trunk_hosts[0]
    if not peer_in(caller_ip, tuple(settings.demo.clock_peers)):
        raise DemoError(f"--at needs the demo caller's address {caller_ip} in demo.clock_peers "
                        f"(now {settings.demo.clock_peers}): add it to [demo] in the config")
    return when


def check_service(settings: Settings, timeout: float = 3.0) -> None:
    """Fails fast, before any SIP peer starts, when the service is not there or not healthy."""
    url = f"http://{settings.api.bind}/health"
    try:
        answer = httpx.get(url, timeout=timeout)
    except httpx.HTTPError:
        raise DemoError(f"the service is not running (nothing answers at {url}): start it "
                        "with `make up` in another terminal") from None
    try:
        body = answer.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or "status" not in body:
        raise DemoError(f"{url} is not a Hotline service (HTTP {answer.status_code}): check "
                        "api.bind in the config you pass with --config")
    if answer.status_code != 200:
        down = ", ".join(k for k, v in body.items() if v is False) or "a part"
        raise DemoError(f"the service is running but {down} is down: see the `make up` "
                        "terminal, or restart it")


def wait_record(client: httpx.Client, caller: str, since: float, timeout: float
                ) -> dict[str, Any] | None:
    """The caller's call record started after `since`, once complete (recording attached or
    failed), polled from the API; None if it does not arrive in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = client.get("/calls", params={"caller": caller})
        for item in answer.json()["items"] if answer.status_code == 200 else []:
            if datetime.fromisoformat(item["started_at"]).timestamp() < since - 1:
                continue
            if item["recording"] is not None or item["recording_error"] is not None:
                return dict(item)
        time.sleep(0.3)
    return None


def fetch_record(settings: Settings, caller: str, since: float, timeout: float = 30
                 ) -> dict[str, Any] | None:
    token = next((t for t, role in settings.api.tokens.items() if role in ("qa", "admin")), "")
    if not token:
        raise DemoError("the demo reads the record through the API and needs a qa or admin "
                        "token in api.tokens")
    with httpx.Client(base_url=f"http://{settings.api.bind}", timeout=5,
                      headers={"Authorization": f"Bearer {token}"}) as client:
        return wait_record(client, caller, since, timeout)


def recording_file(settings: Settings, record: dict[str, Any]) -> Path:
    """Where the service keeps the call's recording (its own layout, recordings.storage)."""
    started = datetime.fromisoformat(record["started_at"])
    return Path(settings.storage.recordings_dir).resolve() / relative_target(
        record["linkedid"], started)


def demo_call(settings: Settings, talk_seconds: float, at: datetime | None = None,
              say: Callable[[str], None] = print) -> dict[str, Any]:
    """Places the call and returns its record; DemoError (one line) when something is off.
    The temporary folder (audio, SIPp's logs) is removed, unless SIPp failed: then the error
    names it so its logs can be read."""
    check_service(settings)
    folder = Path(tempfile.mkdtemp(prefix="hotline-demo-"))
    keep = False
    try:
        record = _place(settings, talk_seconds, at, folder, say)
    except SippError as e:
        keep = True
        raise DemoError(f"a simulated phone failed ({str(e).splitlines()[0]}); SIPp's logs "
                        f"are in {folder}") from e
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)
    return record


def _place(settings: Settings, talk_seconds: float, at: datetime | None, folder: Path,
           say: Callable[[str], None]) -> dict[str, Any]:
    agent = settings.agents[0]
    server = settings.sip.bind
    caller_ip = settings.sip.trunk_hosts[0]
    caller_audio, agent_audio = conversation(settings, folder, talk_seconds)
    phone = AgentPhone(server, agent.number, agent.password, AGENT_IP, agent_audio,
                       port=free_port(AGENT_IP), workdir=folder / "agent")
    headers = {CLOCK_HEADER: at.isoformat()} if at is not None else {}
    try:
        say(f"agent {agent.number} ({agent.name}) registers from {AGENT_IP} and will answer")
        phone.start()
        time.sleep(0.5)
        since = time.time()
        when = f" as if at {at.isoformat()}" if at is not None else ""
        say(f"caller {CALLER} dials {settings.hotline.number} from {caller_ip}{when} and "
            f"talks for {talk_seconds:g} s ...")
        result = place_call(server, settings.hotline.number, CALLER, caller_audio,
                            talk_seconds, local_ip=caller_ip, caller_name="Demo Caller",
                            headers=headers, workdir=folder / "caller")
        say("caller: call completed" if result.completed else
            "caller: the hotline ended the call")
    finally:
        phone.stop()
    record = fetch_record(settings, CALLER, since)
    if record is None:
        raise DemoError("no call record arrived within 30 s: see the `make up` terminal "
                        "for errors")
    return record


def _seconds(wav: Path, default: float) -> float:
    try:
        return float(sf.info(str(wav)).duration)
    except (OSError, RuntimeError):
        return default


def conversation(settings: Settings, folder: Path, talk_seconds: float) -> tuple[Path, Path]:
    """The caller's and the agent's audio, timed so that they take turns: the agent speaks
    first once the caller hears it (after the agent-number announcement), then the caller.
    The caller's audio starts at the IVR's answer, so it first stays silent through the
    greeting, the ring and the announcement (their lengths are the service's own prompts)."""
    voice = settings.prompts.voice
    prompts = Instance.of(settings).prompts
    greeting = _seconds(prompts / "greeting.wav", 4.0)
    intro = _seconds(prompts / f"agent_intro_{settings.agents[0].number}.wav", 1.5)
    agent_words = _seconds(utterance(AGENT_SAYS, folder, voice, "agent"), 3.0)
    caller_words = _seconds(utterance(CALLER_SAYS, folder, voice, "caller"), 3.0)
    period = agent_words + caller_words + 2 * TURN_GAP
    turns = int(talk_seconds // period) + 2
    agent_lead = intro + 0.3  # the agent's first words would be lost under the announcement
    agent = speech(AGENT_SAYS, folder, period, voice, "agent", agent_lead, turns)
    caller_lead = greeting + RING_SECONDS + agent_lead + agent_words + TURN_GAP
    caller = speech(CALLER_SAYS, folder, period, voice, "caller", caller_lead, turns)
    return caller, agent


def describe(settings: Settings, record: dict[str, Any]) -> list[str]:
    """What the demo tells the operator after the record: where the recording is, and why a
    call did not reach the agent."""
    lines = []
    if record.get("recording"):
        path = recording_file(settings, record)
        where = str(path) if path.exists() else f"{path} (not visible from this folder)"
        lines.append(f"recording: {where}")
        lines.append(f"           {record['recording']['url']} through the API")
    elif record.get("recording_error"):
        lines.append(f"recording failed: {record['recording_error']}")
    if record["route"] != "agent":
        lines.append(f"route was {record['route']}: outside working hours? route this call "
                     f"as if in them: make demo-call AT={AT_EXAMPLE}")
    return lines
