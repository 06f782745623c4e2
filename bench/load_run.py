"""One load run against one side (bench/load_rig.py): `calls` SIPp calls from the trunk at
`rate` per second, at most `concurrent` at once, each talking `talk` seconds to an agent after
the greeting and the queue; SIP captured on the side's port (answer latency, hangup times),
CPU read from /proc, RTP loss from Asterisk, and on the product the records and recordings as
the API serves them."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import soundfile as sf
from aggregate import summary
from load_rig import CALLER_TONE, CLK_TCK, HOTLINE_NUMBER, SCENARIOS, TRUNK, Side, free_port
from sip_capture import timings_of

from callsim import tone

# The product routes each bench call as if on a Monday morning (X-Hotline-Clock, accepted from
# loopback by demo.clock_peers), whatever the hour of the run; the baseline's dialplan always
# routes to the agents.
WORKING_HOURS = "2026-11-23T10:00:00+08:00"
# SIPp's call duration runs from the IVR's answer: the greeting, the queue, the ring and the
# agent's number come first (~2.5 s), so a caller stays this much longer than the talk asked.
SETUP_SECONDS = 5.0


def _capture(pcap: Path, port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(["tcpdump", "-i", "lo", "-U", "--immediate-mode", "-s", "2048",
                             "-w", str(pcap), f"udp port {port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    line = proc.stderr.readline()  # "listening on lo ...": the filter is in place
    if b"listening" not in line:
        raise RuntimeError(f"tcpdump did not start: {line!r}")
    return proc


def _sipp_counts(stats: Path) -> tuple[int, int]:
    """SuccessfulCall(C), FailedCall(C) from the last line of SIPp's -trace_stat file."""
    lines = [ln for ln in stats.read_text().splitlines() if ln.strip()]
    head = lines[0].split(";")
    last = lines[-1].split(";")
    return int(last[head.index("SuccessfulCall(C)")]), int(last[head.index("FailedCall(C)")])


def place(side: Side, run: int, concurrent: int, calls: int, talk: float, rate: float,
          on_tick: Any = None) -> tuple[int, int, float]:
    work = side.work / f"run-{run}"
    work.mkdir(parents=True, exist_ok=True)
    scenario = work / "caller.xml"
    scenario.write_text((SCENARIOS / "caller.xml").read_text().replace(
        "[audio]", str(tone(CALLER_TONE, side.work))))
    proc = subprocess.Popen(
        ["sipp", side.sip, "-sf", str(scenario), "-s", HOTLINE_NUMBER, "-i", TRUNK, "-p", "0",
         "-mi", TRUNK, "-mp", str(free_port(socket.SOCK_DGRAM, TRUNK)),
         "-r", f"{rate:g}", "-l", str(concurrent), "-m", str(calls),
         "-d", str(int((talk + SETUP_SECONDS) * 1000)),
         "-key", "run", str(run), "-key", "clock", WORKING_HOURS,
         "-nostdin", "-timeout", f"{int(talk + 150 + calls / rate)}s", "-max_socket", "2000",
         "-trace_stat", "-stf", str(work / "stats.csv"), "-fd", "1", "-trace_err"],
        cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started = time.time()
    while proc.poll() is None:
        if on_tick is not None:
            on_tick(time.time() - started)
        time.sleep(0.2)
    ok, failed = _sipp_counts(work / "stats.csv")
    return ok, failed, time.time() - started


def run_calls(side: Side, run: int, concurrent: int, calls: int, talk: float, rate: float,
              complete: bool, poll_after_run: bool = False) -> dict[str, Any]:
    """poll_after_run: the API is first asked once every call has ended, so the bridge's CPU
    does not include serving the watcher's GET /calls (4 a second, every record of the run,
    during the hangups: ~1 s of CPU at 150 calls); the served-after-hangup times are then not
    measured (they would include the wait for the last call)."""
    work = side.work / f"run-{run}"
    work.mkdir(parents=True, exist_ok=True)
    pcap = work / "sip.pcap"
    capture = _capture(pcap, side.sip_port)
    assert side.rtp is not None
    rtp0 = side.rtp.reading()
    t_start = time.time()
    cpu0 = side.cpu()
    ramp = calls / rate
    # Every call talking to its agent: after the ramp and the setup, before the first hangup.
    steady = (ramp + SETUP_SECONDS, talk + SETUP_SECONDS)
    window: dict[str, Any] = {}
    watch = complete and side.bridged
    # The API is watched from just before the first hangup, while later calls still talk:
    # each record's "served after hangup" must not include the wait for the last call.
    watcher = _Watcher(side, run, calls, t_start) if watch else None

    def tick(elapsed: float) -> None:
        if watcher is not None and not poll_after_run and elapsed >= steady[1] - 1.0:
            watcher.begin()
        if steady[1] - steady[0] < 5:
            return
        if "t0" not in window and elapsed >= steady[0]:
            window["t0"], window["cpu0"] = time.time(), side.cpu()
        elif "t0" in window and "t1" not in window and elapsed >= steady[1]:
            window["t1"], window["cpu1"] = time.time(), side.cpu()

    ok, failed, took = place(side, run, concurrent, calls, talk, rate, tick)
    result: dict[str, Any] = {"side": side.name, "run": run, "concurrent": concurrent,
                              "calls": calls, "talk_s": talk, "rate": rate,
                              "successful": ok, "failed": failed, "sipp_seconds": took}
    if watcher is not None:
        watcher.begin()
        result["completeness"] = watcher.result()
    else:
        time.sleep(3.0)  # hangup statistics and recordings closing
    t_end = time.time()
    cpu1 = side.cpu()
    capture.send_signal(signal.SIGINT)
    capture.wait(timeout=10)
    channels, received, lost = (b - a for a, b in zip(rtp0, side.rtp.reading(), strict=True))
    result["rtp"] = {"channels": channels, "received": received, "lost": lost}
    seconds = t_end - t_start
    result["cpu_run"] = {"seconds": seconds,
                         "asterisk_cpu_s": (cpu1[0] - cpu0[0]) / CLK_TCK,
                         "bridge_cpu_s": (cpu1[1] - cpu0[1]) / CLK_TCK}
    if "t1" in window:
        span = window["t1"] - window["t0"]
        result["cpu_steady"] = {
            "seconds": span,
            "asterisk_pct": 100 * (window["cpu1"][0] - window["cpu0"][0]) / CLK_TCK / span,
            "bridge_pct": 100 * (window["cpu1"][1] - window["cpu0"][1]) / CLK_TCK / span}
    timings, result["bridged"] = timings_of(pcap, side.sip_port)
    answers = [t.answer_ms for t in timings.values() if t.answer_ms is not None]
    result["answer_ms"] = summary(answers)
    result["answer_samples"] = answers
    result["invites_seen"] = len(timings)
    if "completeness" in result:
        served = served_after_hangup(result["completeness"], timings)
        if not poll_after_run:
            result["completeness"].update(served)
        result["completeness"]["polled_after_run"] = poll_after_run
    linkedids = result.get("completeness", {}).pop("linkedids", None)
    result["recordings_on_disk"] = recordings(side, t_start, talk, linkedids)
    return result


class _Watcher:
    """completeness() in a thread of its own, started once."""

    def __init__(self, side: Side, run: int, calls: int, since: float) -> None:
        self.args = (side, run, calls, since)
        self.found: dict[str, Any] = {}
        self.thread: threading.Thread | None = None

    def begin(self) -> None:
        if self.thread is None:
            self.thread = threading.Thread(
                target=lambda: self.found.update(completeness(*self.args)), daemon=True)
            self.thread.start()

    def result(self) -> dict[str, Any]:
        assert self.thread is not None
        self.thread.join(timeout=120)
        return self.found


def completeness(side: Side, run: int, calls: int, since: float,
                 timeout: float = 120) -> dict[str, Any]:
    """Polls GET /calls (every 0.25 s) until every call of the run has its record with its
    recording attached, noting when each record was first served and when its recording."""
    assert side.api is not None
    prefix = f"13{run}0"
    seen: dict[str, float] = {}
    attached: dict[str, float] = {}
    records: dict[str, dict[str, Any]] = {}
    since_iso = datetime.fromtimestamp(since - 5, UTC).isoformat()
    deadline = time.time() + timeout
    while time.time() < deadline:
        now = time.time()
        page = side.api.get("/calls", params={"since": since_iso, "limit": 500}).json()
        for item in page["items"]:
            caller = item["caller"]
            if not caller.startswith(prefix):
                continue
            seen.setdefault(caller, now)
            records[caller] = item
            if item["recording"] is not None or item["recording_error"]:
                attached.setdefault(caller, now)
        if len(attached) >= calls:
            break
        time.sleep(0.25)
    filled = [r for r in records.values()
              if r["agent"] and r["wait_seconds"] is not None and r["talk_seconds"] > 0]
    with_recording = [r for r in records.values() if r["recording"] is not None]
    served = 0
    for r in with_recording[:3]:  # the API serves the file itself (not only the link)
        got = side.api.get(r["recording"]["url"])
        served += got.status_code == 200 and got.content[:4] == b"RIFF"
    return {"records": len(records), "with_agent_wait_talk": len(filled),
            "linkedids": {r["linkedid"] for r in records.values()},
            "with_recording": len(with_recording), "downloads_checked": 3, "downloads_ok": served,
            "seen": seen, "attached": attached,
            "dispositions": sorted({r["disposition"] for r in records.values()})}


def served_after_hangup(done: dict[str, Any], timings: dict[str, Any]) -> dict[str, Any]:
    """Seconds from each caller's BYE (on the wire) to its record first served by the API,
    and to its recording attached."""
    bye = {t.caller: t.bye_at for t in timings.values() if t.caller and t.bye_at}
    seen, attached = done.pop("seen"), done.pop("attached")
    record = [at - bye[c] for c, at in seen.items() if c in bye]
    attach = [at - bye[c] for c, at in attached.items() if c in bye]
    return {"record_served_s": summary(record), "recording_attached_s": summary(attach)}


def recordings(side: Side, since: float, talk: float,
               linkedids: set[str] | None = None) -> dict[str, Any]:
    """The run's recordings on disk: the product's finalised WAVs of the run's records
    (<linkedid>.wav, read and measured with soundfile), the baseline's MixMonitor files
    (removed after counting: they pile up)."""
    if side.bridged:
        folder = Path(side.settings.storage.recordings_dir)
        files = [p for p in folder.rglob("*.wav") if p.stat().st_mtime >= since - 1
                 and (linkedids is None or p.stem in linkedids)]
        playable = 0
        for p in files:
            try:
                info = sf.info(str(p))
            except RuntimeError:
                continue
            playable += info.channels == 2 and info.duration >= talk
        return {"files": len(files), "playable": playable}
    monitor = side.instance.monitor / "hotline"
    files = [p for p in monitor.glob("*") if p.stat().st_mtime >= since - 1]
    # 8 kHz, 16-bit, 2 channels (D): bytes / 32000 = seconds.
    long_enough = sum(p.stat().st_size / 32000 >= talk for p in files)
    for p in files:
        p.unlink()
    return {"files": len(files), "playable": long_enough}


def dump(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=1, default=str))
