"""Nothing lost (issue 13, R11/R12), faults injected for real through the real Asterisk, each
asserting counts: the bridge SIGKILLed during calls, Asterisk restarted and SIGKILLed under a
running bridge, the database server stopped during calls, the recordings folder full.

The module runs a hotline of its own (instance `test-lost`, five agents, the call database on
a throwaway PostgreSQL server this module can stop, the recordings folder on a size-capped
tmpfs it can fill), so its faults never touch the suite's shared service."""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from callsim import AgentPhone, CallResult, place_call, tone
from domain.policy import CLOCK_HEADER
from pbx.layout import Instance
from pbx.process import Asterisk
from pbx.provision import provision
from settings import Settings, load_settings
from tests.store.conftest import PG_PORT, postgres_url  # noqa: F401 (the throwaway cluster)
from tests.telephony.conftest import CONFIG, WORKING_HOURS
from tests.telephony.harness import AmiObserver, Api, Service, user_event
from tests.telephony.ports import free_port, service_env

pytestmark = pytest.mark.asterisk

AGENTS = {f"100{n}": f"127.0.0.{40 + n}" for n in range(1, 6)}  # five phones, own addresses
RECORDINGS_MB = 24


@dataclass
class Lost:
    settings: Settings
    service: Service
    ami: AmiObserver
    api: Api
    base: Path
    instance: Instance
    pg_data: Path
    phones: list[AgentPhone]

    def call(self, caller: str, talk_seconds: float) -> CallResult:
        return place_call(self.settings.sip.bind, self.settings.hotline.number, caller,
                          tone(600.0, self.base), talk_seconds,
                          local_ip=self.settings.sip.trunk_hosts[0],
                          headers={CLOCK_HEADER: WORKING_HOURS}, timeout=60)

    def calls(self, callers: list[str], talk_seconds: float) -> Callable[[], list[CallResult]]:
        """Places the calls at once, each from its own thread; returns a join."""
        results: dict[str, CallResult] = {}
        threads = [threading.Thread(target=lambda c=c: results.__setitem__(
            c, self.call(c, talk_seconds))) for c in callers]
        for t in threads:
            t.start()
            time.sleep(0.2)  # the queue hands them out in order

        def join() -> list[CallResult]:
            for t in threads:
                t.join(timeout=90)
            return [results[c] for c in callers]
        return join

    def health(self) -> httpx.Response:
        return httpx.get(f"http://{self.settings.api.bind}/health", timeout=2)

    def metric(self, name: str) -> float:
        text = httpx.get(f"http://{self.settings.api.bind}/metrics", timeout=5).text
        return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                   if line.startswith(name) and not line.startswith("#"))

    def records(self, callers: list[str], since: float, timeout: float = 60
                ) -> list[dict[str, Any]]:
        return [self.api.wait_record(c, since, timeout) for c in callers]

    def all_records(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        while True:
            page = self.api.client.get("/calls", params={"limit": 100, "offset": len(items)})
            assert page.status_code == 200, page.text
            items += page.json()["items"]
            if len(items) >= page.json()["total"]:
                return items

    def pg(self, action: str) -> None:
        """Stops or starts the throwaway PostgreSQL server (as tests/store/conftest.py runs it)."""
        pg_ctl = next(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        how = (["-m", "fast"] if action == "stop" else
               ["-l", str(self.pg_data / "log"), "-o",
                f"-p {PG_PORT} -k {self.pg_data} -c listen_addresses=''"])
        subprocess.run(["runuser", "-u", "postgres", "--", str(pg_ctl), "-D", str(self.pg_data),
                        "-w", "-t", "30", *how, action],
                       check=True, capture_output=True, timeout=60)


def wait_until(check: Callable[[], bool], timeout: float, step: float = 0.1) -> float:
    """Seconds until check() held; fails after timeout (bounded, never a fixed sleep)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            if check():
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(step)
    raise AssertionError(f"not within {timeout} s")


@pytest.fixture(scope="module")
def lost(tmp_path_factory: pytest.TempPathFactory, postgres_url: str  # noqa: F811
         ) -> Iterator[Lost]:
    base = tmp_path_factory.mktemp("lost")
    config = base / "hotline-lost.toml"
    config.write_text(CONFIG.read_text(encoding="utf-8") + "".join(
        f'\n[[agents]]\nnumber = "{n}"\nname = "坐席{n}"\npassword = "secret-{n}"\n'
        for n in AGENTS if n not in ("1001", "1002")), encoding="utf-8")
    recordings = base / "recordings"
    recordings.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={RECORDINGS_MB}m", "tmpfs",
                    str(recordings)], check=True, timeout=10)
    # A database of its own on the session's cluster (the store tests empty theirs).
    with create_engine(postgres_url, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS hotline_lost"))
        conn.execute(text("CREATE DATABASE hotline_lost"))
    env = {**service_env(base, instance="test-lost"),
           "HOTLINE_PROMPTS__CUSTOM_DIR": str(base / "prompts"),
           "HOTLINE_STORAGE__DATABASE_URL": postgres_url.replace("/postgres?", "/hotline_lost?")}
    settings = load_settings(config, environ=env)
    instance = Instance.of(settings)
    provision(instance)
    service = Service(config, env, settings, base / "service.log")
    phones: list[AgentPhone] = []
    ami: AmiObserver | None = None
    try:
        service.start()
        ami = AmiObserver(settings)
        for number, ip in AGENTS.items():
            phones.append(AgentPhone(settings.sip.bind, number, f"secret-{number}", ip,
                                     tone(1400.0, base), port=free_port(socket.SOCK_DGRAM, ip)
                                     ).start())
        pg_data = Path(postgres_url.split("host=", 1)[1].split("&", 1)[0])
        yield Lost(settings, service, ami, Api(settings), base, instance, pg_data, phones)
    finally:
        for phone in phones:
            phone.stop()
        if ami is not None:
            ami.close()
        service.stop()
        subprocess.run(["umount", "-l", str(recordings)], timeout=10)


def _connected(lost: Lost, mark: int, count: int) -> Callable[[], bool]:
    return lambda: sum(e.get("Event") == "AgentConnect" for e in lost.ami.since(mark)) >= count


def test_bridge_killed_during_five_calls_and_five_more_placed_while_down(lost: Lost) -> None:
    """(a) One call the bridge records live; then the bridge (`hotline up`) is SIGKILLed while
    5 calls talk to agents (Asterisk keeps running: its own session), and 5 more are placed
    and answered while it is down (routed by the pyst2 fallback). Started again, it reconciles
    from CEL: 10 new records, 10 recordings, nothing duplicated."""
    since = time.time()
    assert lost.call("13900005000", 3).completed
    live = lost.api.wait_record("13900005000", since)
    assert live["source"] == "live"
    before = len(lost.all_records())

    during = [f"1390000510{n}" for n in range(5)]
    mark = lost.ami.mark()
    join = lost.calls(during, talk_seconds=10)
    wait_until(_connected(lost, mark, 5), 40)
    lost.service.kill()
    assert lost.service.proc is not None and lost.service.proc.poll() is not None
    assert all(r.completed for r in join()), "a call was dropped with the bridge"

    down = [f"1390000520{n}" for n in range(5)]
    mark = lost.ami.mark()
    assert all(r.completed for r in lost.calls(down, talk_seconds=10)())
    routes = [e for e in lost.ami.since(mark) if user_event("HotlineRoute")(e)]
    assert [e["Decider"] for e in routes] == ["fallback"] * 5

    lost.service.start()  # adopts the running Asterisk, logs in, reconciles
    records = lost.records(during + down, since)
    everything = lost.all_records()
    assert len(everything) == before + 10
    assert len({r["linkedid"] for r in everything}) == len(everything)  # none duplicated
    assert all(r["recording"] is not None and r["recording"]["channels"] == 2
               for r in records), [r["recording_error"] for r in records]
    assert all(r["source"] == "reconciled" for r in records)
    assert [(r["disposition"], r["route"]) for r in records] == [("answered", "agent")] * 10
    assert [r["decided_by"] for r in records] == ["fastagi"] * 5 + ["fallback"] * 5
    assert sorted(r["agent"] for r in records[5:]) == sorted(AGENTS)
    assert all(r["talk_seconds"] > 1 for r in records)
    assert lost.health().json()["reconciled_records"] >= 10
    assert lost.metric('hotline_call_records_total{outcome="reconciled"}') >= 10

    # Started once more (another AMI login, another reconciliation): nothing is added.
    lost.service.kill()
    lost.service.start()
    wait_until(lambda: lost.health().json().get("reconcile_passes", 0) >= 1, 10)
    assert lost.health().json()["reconciled_records"] == 0
    assert len(lost.all_records()) == before + 10
    assert lost.api.wait_record("13900005000", since)["source"] == "live"
    print(f"(a) records {len(everything) - before} new, recordings "
          f"{sum(r['recording'] is not None for r in records)}, reconciled "
          f"{sum(r['source'] == 'reconciled' for r in records)}, duplicates 0")


def _next_call_recorded(lost: Lost, caller: str) -> None:
    since = time.time()
    assert lost.call(caller, 3).completed
    record = lost.api.wait_record(caller, since)
    assert record["source"] == "live" and record["disposition"] == "answered"
    assert record["recording"] is not None and record["recording"]["channels"] == 2


def test_asterisk_restarted_under_the_bridge(lost: Lost) -> None:
    """(b) `core restart now`: AMI logs in again and /health is green within 5 s."""
    Asterisk(lost.instance, lost.settings.ami).cli("core restart now")
    wait_until(lambda: lost.health().status_code == 503, 5, 0.02)
    back = wait_until(lambda: lost.health().status_code == 200, 5, 0.05)
    assert back < 5
    print(f"(b) /health green again {back:.2f} s after it went 503")
    _next_call_recorded(lost, "13900005301")


def test_asterisk_killed_under_the_bridge_is_restarted(lost: Lost) -> None:
    """(d) SIGKILL of Asterisk: the service restarts it, counted, within 10 s."""
    restarts = lost.metric("hotline_asterisk_restarts_total")
    pid = Asterisk(lost.instance, lost.settings.ami).running_pid()
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()
    wait_until(lambda: lost.health().status_code == 503, 5, 0.02)
    wait_until(lambda: lost.health().status_code == 200, 10)
    assert time.monotonic() - killed < 10
    print(f"(d) /health green {time.monotonic() - killed:.2f} s after SIGKILL")
    body = lost.health().json()
    assert body["asterisk_running"] is True and body["asterisk_restarts"] >= 1
    assert lost.metric("hotline_asterisk_restarts_total") == restarts + 1
    assert Asterisk(lost.instance, lost.settings.ami).running_pid() not in (None, pid)
    _next_call_recorded(lost, "13900005401")


def test_database_down_during_five_calls(lost: Lost) -> None:
    """(c) The PostgreSQL server stopped during 5 calls: the API answers 503
    database.unavailable; the calls are answered, spooled, and all 5 are there once it is back."""
    since = time.time()
    callers = [f"1390000560{n}" for n in range(5)]
    mark = lost.ami.mark()
    join = lost.calls(callers, talk_seconds=10)
    wait_until(_connected(lost, mark, 1), 30)
    lost.pg("stop")
    try:
        answer = lost.api.client.get("/calls")
        assert answer.status_code == 503 and answer.json()["error_id"] == "database.unavailable"
        assert all(r.completed for r in join())
        wait_until(lambda: lost.health().json()["pending_records"] == 5, 20)
        assert lost.health().status_code == 503 and lost.health().json()["database"] is False
    finally:
        lost.pg("start")
    records = lost.records(callers, since, timeout=40)
    assert len(records) == 5 and all(r["disposition"] == "answered" for r in records)
    assert all(r["recording"] is not None for r in records)
    assert wait_until(lambda: lost.health().json()["pending_records"] == 0, 10) < 10
    print(f"(c) 5 calls answered, 5 spooled, {len(records)} records after the server returned")


def test_recordings_folder_full(lost: Lost) -> None:
    """(e) The recordings folder (a tmpfs of RECORDINGS_MB) filled up: the call is still
    answered and routed; the failure is in /health, /metrics and the record; the recordings
    already there are untouched."""
    folder = Path(lost.settings.storage.recordings_dir)
    kept = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*.wav")}
    assert kept, "earlier tests left recordings to protect"
    failures = lost.metric("hotline_recording_failures_total")
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * (1 << 20))
        except OSError:
            pass  # full
    try:
        since = time.time()
        mark = lost.ami.mark()
        assert lost.call("13900005701", 4).completed
        assert lost.ami.wait_for(mark, user_event("HotlineRoute"))["Route"] == "agent"
        lost.ami.wait_for(mark, lambda e: e.get("Event") == "AgentConnect")
        record = lost.api.wait_record("13900005701", since)
        assert record["disposition"] == "answered" and record["recording"] is None
        assert record["recording_error"]
        health = lost.health()
        assert health.status_code == 503 and health.json()["recordings_writable"] is False
        assert health.json()["recording_failures"] >= 1
        assert lost.metric("hotline_recording_failures_total") == failures + 1
    finally:
        filler.unlink()
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in kept} == kept
    assert not list(folder.rglob("*.part.wav"))  # no half-written file left behind
    wait_until(lambda: lost.health().status_code == 200, 10)
    print(f"(e) call answered and routed, recording_error set, {len(kept)} earlier recordings "
          "unchanged")
