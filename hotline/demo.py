"""`hotline demo-call`: one simulated call against the running service, so a newcomer without a
SIP phone sees the whole path: a SIPp caller speaking on the trunk, a SIPp agent phone that
registers with the first agent's credentials, answers and talks; then the call record."""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from callsim import AgentPhone, place_call, tone
from ivr.ami import AmiClient
from ivr.ami_actions import setvar
from settings import Settings

AGENT_IP = "127.0.0.201"


async def set_clock(settings: Settings, value: str) -> None:
    """Sets the dialplan's HOTLINE_CLOCK test hook (empty: the real clock)."""
    ami = AmiClient(settings.ami, events="off", reconnect=False)
    ami.connect()
    try:
        await ami.wait_login()
        await setvar(ami, "HOTLINE_CLOCK", value)
    finally:
        ami.close()


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
    with httpx.Client(base_url=f"http://{settings.api.bind}", timeout=5,
                      headers={"Authorization": f"Bearer {token}"}) as client:
        return wait_record(client, caller, since, timeout)


def demo_call(settings: Settings, talk_seconds: float, at: str) -> int:
    agent = settings.agents[0]
    server = settings.sip.bind
    folder = Path(tempfile.mkdtemp(prefix="hotline-demo-"))
    caller = "13800138000"
    if at:
        asyncio.run(set_clock(settings, at))
    phone = AgentPhone(server, agent.number, agent.password, AGENT_IP, tone(1400, folder))
    try:
        print(f"agent {agent.number} ({agent.name}) registers from {AGENT_IP} and will answer")
        phone.start()
        time.sleep(0.5)
        since = time.time()
        print(f"caller {caller} dials {settings.hotline.number} from "
              f"{settings.sip.trunk_hosts[0]} and talks for {talk_seconds:g} s ...")
        result = place_call(server, settings.hotline.number, caller, tone(600, folder),
                            talk_seconds, local_ip=settings.sip.trunk_hosts[0],
                            caller_name="Demo Caller")
        print("caller: call completed" if result.completed else
              f"caller: the hotline ended the call (SIPp log in {result.workdir})")
    finally:
        phone.stop()
        if at:
            asyncio.run(set_clock(settings, ""))
    record = fetch_record(settings, caller, since)
    if record is None:
        print("no call record arrived within 30 s; is `hotline up` running?")
        return 1
    print(json.dumps(record, ensure_ascii=False, indent=2))
    if record.get("recording"):
        rec = Path(settings.storage.recordings_dir).resolve()
        print(f"recording: {record['recording']['url']} (API) — on disk under {rec}")
    if record["route"] != "agent":
        print(f"route was {record['route']}: outside working hours? try --at "
              "2026-11-23T10:00:00+08:00")
    return 0
